import './base.css';
import './downloads.css';
import './chat.css';

import './base.css';
import './downloads.css';
import './chat.css';
import './insights.css';

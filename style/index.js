import './base.css';
import './downloads.css';

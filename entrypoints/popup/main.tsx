import { render } from 'preact';
import { PopupApp } from '../../lib/ui/popup/PopupApp';
import '../../lib/ui/style.css';

render(<PopupApp />, document.getElementById('app')!);

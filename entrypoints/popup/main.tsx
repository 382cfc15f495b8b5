import { render } from 'preact';
import { PopupApp } from '../../lib/ui/PopupApp';
import '../../lib/ui/style.css';

render(<PopupApp />, document.getElementById('app')!);

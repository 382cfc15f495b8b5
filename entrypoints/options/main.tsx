import { render } from 'preact';
import { OptionsApp } from '../../lib/ui/options/OptionsApp';
import '../../lib/ui/style.css';

render(<OptionsApp />, document.getElementById('app')!);

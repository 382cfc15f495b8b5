import { handOverFramePort } from '../../lib/browser-agents/port-frame';

// Inserted for a moment by Keygate's content script on a granted page (Chromium): hands the page a MessagePort to the background.
void handOverFramePort(window, navigator.serviceWorker);

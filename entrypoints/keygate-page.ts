import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { installKeygateApi } from '../lib/browser-agents/page-api';

// Registered at run time in the page's MAIN world, for granted origins only (lib/grants/page-scripts.ts).
export default defineUnlistedScript(() => void installKeygateApi(window));

import { CopyButton } from '../components/CopyButton';
import { customServiceUrl, sdkBaseUrls } from '../components/proxy-address';

interface Snippet {
  id: string;
  title: string;
  text: string;
}

/** Both official SDKs (Python and JS) read these variables, so one snippet serves either language. */
function snippetsFor(agentKey: string, scopes: readonly string[], port: number | null): Snippet[] {
  const urls = sdkBaseUrls(port);
  const snippets: Snippet[] = [];
  if (scopes.includes('openai')) {
    snippets.push({ id: 'openai', title: 'OpenAI SDK', text: `export OPENAI_BASE_URL=${urls.openai}\nexport OPENAI_API_KEY=${agentKey}` });
  }
  if (scopes.includes('anthropic')) {
    snippets.push({ id: 'anthropic', title: 'Anthropic SDK', text: `export ANTHROPIC_BASE_URL=${urls.anthropic}\nexport ANTHROPIC_API_KEY=${agentKey}` });
  }
  for (const scope of scopes.filter((candidate) => candidate.startsWith('custom:'))) {
    const name = scope.slice('custom:'.length);
    snippets.push({ id: scope, title: `Custom service ${name}`, text: `curl -H "Authorization: Bearer ${agentKey}" ${customServiceUrl(port, name)}/` });
  }
  return snippets;
}

export function AgentSdkSnippets({ agentKey, scopes, port }: { agentKey: string; scopes: readonly string[]; port: number | null }) {
  const snippets = snippetsFor(agentKey, scopes, port);
  if (snippets.length === 0) return null;
  return (
    <div class="snippets">
      {port === null && <p class="warn">The proxy is not listening yet: replace PORT with the port shown once it is.</p>}
      {snippets.map(({ id, title, text }) => (
        <figure key={id} data-testid="sdk-snippet" data-sdk={id}>
          <figcaption class="row">
            <span>{title}</span>
            <CopyButton text={text} label={`Copy the ${title} settings`} />
          </figcaption>
          <pre class="code">{text}</pre>
        </figure>
      ))}
    </div>
  );
}

/**
 * Where agents reach the proxy. It listens on 127.0.0.1 only; the SDK base URLs are the service
 * prefixes the host routes (`/openai/*` keeps OpenAI's own `/v1`, Anthropic's SDK adds `/v1` itself).
 */
export const proxyOrigin = (port: number | null) => `http://127.0.0.1:${port ?? 'PORT'}`;

export const sdkBaseUrls = (port: number | null) => ({
  openai: `${proxyOrigin(port)}/openai/v1`,
  anthropic: `${proxyOrigin(port)}/anthropic`,
});

export const customServiceUrl = (port: number | null, name: string) => `${proxyOrigin(port)}/custom/${name}`;

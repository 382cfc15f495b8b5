/**
 * What an empty policy file means, and the bounds every policy value is checked against. One place,
 * so the options page, the headless host and the docs agree on them.
 */
import type { BinanceEnvironment, BuiltinServicePolicy, DeadKeyRule, Policy, RotationMode } from './policy-types';

export const DEFAULT_PROXY_PORT = 8472;

export const BUILTIN_BASE_URLS = {
  openai: 'https://api.openai.com',
  anthropic: 'https://api.anthropic.com',
} as const;

export const BINANCE_BASE_URLS: Readonly<Record<Exclude<BinanceEnvironment, 'custom'>, string>> = {
  mainnet: 'https://api.binance.com',
  testnet: 'https://testnet.binance.vision',
  demo: 'https://demo-api.binance.com',
};

/** Stick to one key until it fails: a second key added as a backup is not spent until needed. */
export const DEFAULT_ROTATION: RotationMode = 'on_first_failed';

/**
 * A custom service's dead key, unless its policy says otherwise: a 401 (the key was not accepted).
 * A 403 is not in it: it says "this key may not do this", which another key's answer would not change.
 */
export const DEFAULT_CUSTOM_DEAD_KEY: Readonly<DeadKeyRule> = Object.freeze({ statuses: [401], codes: [], codeFields: ['error.code', 'error.type'] });

/** `rate_limit` alone means "per minute", the unit most API rate limits are quoted in. */
export const DEFAULT_RATE_LIMIT_WINDOW_SECONDS = 60;

const MIB = 1024 * 1024;

export const POLICY_BOUNDS = {
  port: { min: 0, max: 65_535 },
  idleLockMinutes: { min: 1, max: 1440 },
  maxRequestBodyBytes: { min: 1, max: 100 * MIB },
  upstreamTimeoutSeconds: { min: 1, max: 600 },
  /** Binance refuses a recvWindow above 60 000 ms. */
  recvWindowMs: { min: 1, max: 60_000 },
  rateLimit: { min: 1, max: 1_000_000 },
  /** Up to a day: longer budgets belong in the provider's own spending limits. */
  rateLimitWindowSeconds: { min: 1, max: 86_400 },
} as const;

function builtinService(baseUrl: string): BuiltinServicePolicy {
  return {
    baseUrl,
    rotation: DEFAULT_ROTATION,
    upstreamProxy: null,
    blockedEndpoints: [],
    allowedEndpoints: null,
    rateLimit: null,
  };
}

export function defaultPolicy(): Policy {
  return {
    proxy: {
      port: DEFAULT_PROXY_PORT,
      idleLockMinutes: 30,
      allowedOrigins: [],
      maxRequestBodyBytes: 10 * MIB,
      upstreamTimeoutSeconds: 120,
      upstreamProxy: null,
    },
    services: {
      openai: builtinService(BUILTIN_BASE_URLS.openai),
      anthropic: builtinService(BUILTIN_BASE_URLS.anthropic),
      binance: {
        ...builtinService(BINANCE_BASE_URLS.mainnet),
        environment: 'mainnet',
        maxOrderValueUsd: null,
        dailyVolumeUsd: null,
        allowCancelAll: false,
        recvWindowMs: 5000,
        extraReadEndpoints: [],
      },
    },
    custom: Object.create(null) as Record<string, never>,
  };
}

import { scopeAllows } from '../../../shared/agents/agent-keys';
import type { Caller } from './caller-identity';
import type { ProxyServices } from './proxy-services';

/** `GET /_keygate/status`: what this agent may use. Names and counts only, never a secret. */
export function agentStatus(ctx: ProxyServices, agent: Caller) {
  const unlocked = ctx.vault.isUnlocked;
  const credentialCount = (service: string) => (unlocked ? ctx.vault.credentialIdsFor(service).length : null);
  // Keys the upstream refused lately: the proxy tries them only after the others for a while.
  const coolingDown = (service: string) => (unlocked ? ctx.rotation.coolingCount(ctx.vault.credentialIdsFor(service), ctx.now()) : null);
  const services = [
    { name: 'openai', path: '/openai', scope: 'openai', service: 'openai' },
    { name: 'anthropic', path: '/anthropic', scope: 'anthropic', service: 'anthropic' },
    ...Object.values(ctx.policy.custom).map((custom) => ({ name: custom.name, path: `/custom/${custom.name}`, scope: `custom:${custom.name}`, service: custom.name })),
  ];
  return {
    agent: { id: agent.id, name: agent.name, scopes: agent.scopes, expiresAt: agent.expiresAt },
    vault: { state: unlocked ? 'unlocked' : 'locked' },
    binance: {
      path: '/binance',
      read: scopeAllows(agent.scopes, 'binance', 'read'),
      trade: scopeAllows(agent.scopes, 'binance', 'trade'),
      credentials: credentialCount('binance'),
      // Loud on purpose: a key that can withdraw is one Keygate's blocks are the only thing guarding.
      keyWarnings: ctx.binance.keyRestrictions().filter((key) => key.canWithdraw || key.canTransfer || key.error !== null).map((key) => ({
        credentialId: key.credentialId,
        canWithdraw: key.canWithdraw,
        canTransfer: key.canTransfer,
        warning:
          key.error !== null
            ? `Keygate could not ask Binance what this key may do (${key.error.code}); treat it as able to withdraw.`
            : 'This Binance key can move funds out of the account; Keygate blocks those endpoints, but restrict the key on Binance too.',
      })),
    },
    services: services.map(({ name, path, scope, service }) => ({
      name,
      path,
      allowed: scopeAllows(agent.scopes, scope, 'use'),
      credentials: credentialCount(service),
      coolingDown: coolingDown(service),
    })),
  };
}

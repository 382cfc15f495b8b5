/**
 * An agent channel over a `runtime.connect` port, as another extension opens it to Keygate
 * (client/keygate-client.ts). One port per request; closing it cancels the request.
 */
import { type AgentMessage, isGatewayMessage, type OutgoingAgentMessage } from './agent-messages';
import { encodeChunk } from './body-chunks';
import type { AgentChannel } from './keygate-fetch';

/** The part of `runtime.Port` the content script, the background and another extension use. */
export interface RuntimePort {
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(listener: (message: unknown) => void): void };
  onDisconnect: { addListener(listener: () => void): void };
}

/** Extension messaging is JSON: body bytes go as base64. */
export function toJsonAgentMessage(message: OutgoingAgentMessage): AgentMessage {
  return message.type === 'body' ? { ...message, data: encodeChunk(message.data) } : message;
}

export function runtimePortChannel(port: RuntimePort): AgentChannel {
  return {
    send: (message) => port.postMessage(toJsonAgentMessage(message)),
    onMessage: (listener) => port.onMessage.addListener((message) => isGatewayMessage(message) && listener(message)),
    onClose: (listener) => port.onDisconnect.addListener(listener),
    close: () => port.disconnect(),
  };
}

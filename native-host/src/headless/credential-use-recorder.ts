/**
 * Keeps "last used" in the vault file up to date while `serve` runs, as the extension does in its
 * store, so `vault list` shows which keys agents really use. The proxy reports a credential at most
 * once a minute. Best effort: the file may be read-only (a mounted secret), and an agent's request
 * must never fail over bookkeeping, so the first failure is reported and recording stops.
 */
import type { CredentialRecord } from '../../../shared/vault/format';
import { markCredentialUsed } from '../../../shared/vault/vault-document';
import { editVaultFile } from './vault-file';

export class CredentialUseRecorder {
  private pending: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly path: string,
    /**
     * Whether the file's record is the one serve holds. Another vault put in the file's place, or a
     * record replaced there since serve read it, is left alone; a new password on the same vault is not.
     */
    private readonly holds: (record: CredentialRecord) => boolean,
    private readonly say: (line: string) => void,
  ) {}

  readonly record = (credentialId: string, at: number): void => {
    if (this.stopped) return;
    // One write at a time, in order: two overlapping read-edit-writes would lose one of them.
    this.pending = this.pending
      .then(() =>
        editVaultFile(this.path, (current) => {
          const record = current.credentials.find((credential) => credential.id === credentialId);
          return record !== undefined && this.holds(record) ? markCredentialUsed(current, credentialId, at) : current;
        }),
      )
      .then(
        () => undefined,
        (error: unknown) => {
          this.stopped = true;
          const reason = error instanceof Error ? error.message : String(error);
          this.say(`keygate-host serve: cannot record last use in ${this.path} (${reason}); serving on without it.`);
        },
      );
  };

  /** Resolves once every recorded use is written (or given up on). */
  settled(): Promise<void> {
    return this.pending;
  }
}

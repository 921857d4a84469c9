/** `consentry ledger verify PACK` for an evidence pack folder (see src/audit/evidence-pack.ts). */
import { verifyEvidencePack } from '../../audit/evidence-pack.ts';
import { EXIT } from '../command-kit.ts';
import type { Out } from '../output.ts';

/** Same exit code as a ledger that does not verify. */
const EXIT_VERIFY_FAILED = 5;

export function verifyPackCommand(out: Out, dir: string, publicKey: string | undefined): number {
  const r = verifyEvidencePack(dir, publicKey);
  out.result(r, () => {
    if (r.ok) {
      out.line(`verified evidence pack: ${r.checked.proofs} ledger leaves proven against the signed tree head, ${r.checked.findings} findings' evidence, ${r.checked.notices} notice texts, ${r.checked.files} files`);
      if (!r.trustedKey) out.line('note: checked against the key named in the pack; pass --public-key to check against a key you trust');
    } else out.line(`FAILED: ${r.error}`);
  });
  return r.ok ? EXIT.ok : EXIT_VERIFY_FAILED;
}

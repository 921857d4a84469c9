import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { App } from '../../app.ts';
import { identifierMaterial } from '../../domain/identifiers.ts';
import { UserError } from '../../errors.ts';
import { buildTransferProof, TRANSFER_PROOF_FORMAT, verifyTransferProof } from '../../gateway/transfer-proof.ts';
import { cosignatureLine } from '../../ledger/checkpoint.ts';
import { buildInclusionProof, verifyInclusionProof } from '../../ledger/inclusion-proof.ts';
import { exportLedger } from '../../ledger/ledger-export.ts';
import { createSigningKey, encodeVerifierKey, loadSigningKey, parseVerifierKey, PUBLIC_KEY_FILE, verifierKeyOf, type VerifierKey } from '../../ledger/signing-key.ts';
import { verifyExport } from '../../ledger/verify-export.ts';
import { EXIT, flagsOf, withApp } from '../command-kit.ts';
import { isEvidencePack } from '../../audit/evidence-pack.ts';
import { verifyPackCommand } from './audit-pack-verify.ts';
import { count, makeOut, table } from '../output.ts';

/** Exit code of `ledger verify` and `ledger verify-proof` when the check fails. */
export const EXIT_VERIFY_FAILED = 5;

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function readKey(file: string): VerifierKey {
  try {
    return parseVerifierKey(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError('bad-key', `cannot read a public key from ${file}: ${(err as Error).message}`, [{ where: file, message: `give the log's ${PUBLIC_KEY_FILE} file` }]);
  }
}

function publicKeyOf(app: App): string {
  return encodeVerifierKey(verifierKeyOf(app.signingKey()));
}

export function registerLedger(program: Command): void {
  const ledger = program.command('ledger').description('the verifiable log of every event (RFC 9162 Merkle tree, signed tree heads)');

  ledger
    .command('status')
    .description('size, root and the latest signed tree head')
    .action(async (_o: unknown, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        const heads = await app.store.ledger.treeHeads();
        const last = heads[heads.length - 1];
        const status = {
          size: await app.store.ledger.size(),
          root: hex(await app.store.ledger.root()),
          publicKey: publicKeyOf(app),
          publicKeyFile: join(app.store.keyFolder, PUBLIC_KEY_FILE),
          treeHeads: heads.length,
          latest: last ? { id: last.id, size: last.size, root: hex(last.root), at: new Date(last.at).toISOString(), witnesses: last.witnesses } : null,
        };
        out.result(status, () => {
          out.line(`ledger of ${app.store.description}`);
          out.line(table([
            ['leaves', count(status.size)],
            ['root', status.root],
            ['signed tree heads', count(status.treeHeads)],
            ['latest', last ? `#${last.id}: size ${count(last.size)} at ${status.latest!.at}` : '(none yet)'],
            ['witnessed by', last?.witnesses.join(', ') || '(no co-signatures)'],
            ['public key', status.publicKeyFile],
          ]));
        });
      });
    });

  ledger
    .command('export')
    .description('write the whole log, tree heads and public key to FILE (self-contained NDJSON, docs/ledger.md)')
    .argument('<file>', 'output file')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        await app.seal();
        const summary = await exportLedger(app.store.ledger, file, { publicKey: publicKeyOf(app) });
        out.result({ file, ...summary }, () => out.line(`exported ${count(summary.treeSize)} leaves and ${summary.treeHeads} signed tree heads to ${file}`));
      });
    });

  ledger
    .command('verify')
    .description("recompute every hash, check every signature and the consistency between tree heads (the store's own log, or an export)")
    .argument('[export]', 'an export file; without it the store is exported to a temporary file and verified')
    .option('--public-key <file>', "the log's public key (.vkey) to trust; default: the store's own, or the one named in the export")
    .option('--witness <file...>', 'witness public keys whose co-signatures must be on every tree head')
    .action(async (file: string | undefined, o: { publicKey?: string; witness?: string[] }, cmd: Command) => {
      const out = makeOut(Boolean(flagsOf(cmd).json));
      const witnesses = (o.witness ?? []).map(readKey);
      const run = async (path: string, publicKey?: VerifierKey | string): Promise<number> => {
        const r = await verifyExport(path, { ...(publicKey ? { publicKey } : {}), witnesses });
        out.result(r, () => {
          if (r.ok) {
            out.line(`verified: ${count(r.treeSize)} leaves, ${r.checked.treeHeads} signed tree heads, ${r.checked.consistencyProofs} consistency proofs, ${r.checked.cosignatures} co-signatures`);
            if (!r.trustedKey) out.line('note: checked against the key named in the export; pass --public-key to check against a key you trust');
            if (r.checked.unsignedLeaves > 0) out.line(`note: ${count(r.checked.unsignedLeaves)} leaves after the last signed tree head`);
          } else {
            out.line(`FAILED at line ${r.error?.line}${r.error?.leaf !== undefined ? `, leaf ${r.error.leaf}` : ''}: ${r.error?.message}`);
          }
        });
        return r.ok ? EXIT.ok : EXIT_VERIFY_FAILED;
      };
      if (file && isEvidencePack(file)) {
        process.exitCode = verifyPackCommand(out, file, o.publicKey ? encodeVerifierKey(readKey(o.publicKey)) : undefined);
        return;
      }
      if (file) {
        process.exitCode = await run(file, o.publicKey ? readKey(o.publicKey) : undefined);
        return;
      }
      process.exitCode = await withApp(cmd, async (app) => {
        const dir = mkdtempSync(join(tmpdir(), 'consentry-verify-'));
        try {
          const path = join(dir, 'ledger.ndjson');
          await exportLedger(app.store.ledger, path, { publicKey: publicKeyOf(app) });
          return await run(path, o.publicKey ? readKey(o.publicKey) : publicKeyOf(app));
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });

  ledger
    .command('proof')
    .description('print an inclusion proof as JSON: of a leaf, or of a person in a committed transfer')
    .option('--leaf <n>', 'leaf index')
    .option('--transfer <id>', 'a committed transfer id (see `transfer list`)')
    .option('--email <email>', "the person's email")
    .option('--name <name>', "the person's name (with --postcode and --dob)")
    .option('--postcode <postcode>')
    .option('--dob <date>')
    .action(async (o: { leaf?: string; transfer?: string; email?: string; name?: string; postcode?: string; dob?: string }, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        await app.seal();
        if (o.leaf !== undefined) {
          const index = Number(o.leaf);
          const size = await app.store.ledger.size();
          if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new UserError('bad-leaf', `no leaf ${o.leaf}`, [{ where: '--leaf', message: `give an index from 0 to ${size - 1}` }]);
          out.line(JSON.stringify(await buildInclusionProof(app.store.ledger, index), null, 2));
          return;
        }
        if (!o.transfer) throw new UserError('missing-flags', 'give --leaf N, or --transfer ID with the person’s identifiers', [{ where: 'ledger proof', message: 'e.g. --transfer tr-… --email jane@example.org' }]);
        const m = identifierMaterial({ email: o.email, name: o.name, postcode: o.postcode, dob: o.dob });
        if (!m.ok) throw new UserError('bad-identifiers', `cannot identify the person: ${m.field}: ${m.message}`, [{ where: `--${m.field.split(',')[0]}`, message: m.message }]);
        const proof = await buildTransferProof(app.store, o.transfer, app.keyer.keyOfMaterial(m.material));
        if (!proof) throw new UserError('not-found', `no committed transfer "${o.transfer}"`, [{ where: '--transfer', message: 'list them with `consentry transfer list`' }]);
        out.line(JSON.stringify(proof, null, 2));
      });
    });

  ledger
    .command('verify-proof')
    .description('check a proof printed by `ledger proof`, offline')
    .argument('<file>', 'proof JSON file')
    .option('--public-key <file>', "the log's public key (.vkey); without it the signature is not checked")
    .action(async (file: string, o: { publicKey?: string }, cmd: Command) => {
      const out = makeOut(Boolean(flagsOf(cmd).json));
      let proof: unknown;
      try {
        proof = JSON.parse(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new UserError('bad-proof', `cannot read ${file} as JSON: ${(err as Error).message}`, [{ where: file, message: 'give the JSON printed by `consentry ledger proof`' }]);
      }
      const key = o.publicKey ? readKey(o.publicKey) : undefined;
      const isTransfer = (proof as { format?: string })?.format === TRANSFER_PROOF_FORMAT;
      const r = isTransfer ? verifyTransferProof(proof, key) : verifyInclusionProof(proof, key);
      const ok = r.ok;
      out.result(r, () => {
        if (!ok) return out.line(`FAILED: ${r.error}`);
        if (isTransfer) {
          const t = r as ReturnType<typeof verifyTransferProof>;
          out.line(`verified: this person's record was ${t.requested ? '' : 'NOT '}in the transfer, and was ${t.allowed ? '' : 'NOT '}allowed to go`);
        } else out.line('verified: the entry is in the log');
        out.line(key ? 'the signed tree head was checked against the public key' : 'note: no --public-key given, so the tree head signature was not checked');
      });
      process.exitCode = ok ? EXIT.ok : EXIT_VERIFY_FAILED;
    });

  ledger
    .command('witness-key')
    .description("create a witness key pair (e.g. for the regulator) in DIR; share the .vkey, keep the private key")
    .argument('<dir>', 'folder for the key pair')
    .requiredOption('--name <name>', 'witness name, e.g. ico.example/witness')
    .action((dir: string, o: { name: string }, cmd: Command) => {
      const out = makeOut(Boolean(flagsOf(cmd).json));
      let key;
      try {
        key = createSigningKey(dir, o.name);
      } catch (err) {
        throw new UserError('key-exists', (err as Error).message, [{ where: dir, message: 'choose another folder; a key is never replaced' }]);
      }
      const vkey = encodeVerifierKey(verifierKeyOf(key));
      out.result({ dir, name: o.name, publicKey: vkey }, () => out.line(`witness key ${o.name} created in ${dir}; public key: ${vkey}`));
    });

  ledger
    .command('cosign')
    .description('co-sign the latest signed tree head with a witness key (after checking it)')
    .requiredOption('--witness-key <dir>', 'folder holding the witness key pair')
    .action(async (o: { witnessKey: string }, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => {
        await app.seal();
        const heads = await app.store.ledger.treeHeads();
        const head = heads[heads.length - 1];
        if (!head) throw new UserError('nothing-to-sign', 'the ledger has no signed tree head yet', [{ where: 'ledger', message: 'record something first' }]);
        let witness;
        try {
          witness = loadSigningKey(o.witnessKey);
        } catch (err) {
          throw new UserError('bad-key', `cannot load a witness key from ${o.witnessKey}: ${(err as Error).message}`, [{ where: '--witness-key', message: 'create one with `consentry ledger witness-key DIR --name NAME`' }]);
        }
        // A witness signs only what verifies: the log's signature and consistency with what it saw.
        const check = await verifyHeadAgainstStore(app);
        if (!check.ok) throw new UserError('not-verified', `the log does not verify, so it was not co-signed: ${check.message}`);
        const line = cosignatureLine(head.note, witness);
        const updated = await app.store.ledger.addCosignature(head.id, line, verifierKeyOf(witness));
        out.result({ treeHead: updated.id, size: updated.size, witnesses: updated.witnesses }, () => out.line(`tree head #${updated.id} (size ${count(updated.size)}) co-signed by ${witness.name}`));
      });
    });
}

async function verifyHeadAgainstStore(app: App): Promise<{ ok: boolean; message: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'consentry-cosign-'));
  try {
    const path = join(dir, 'ledger.ndjson');
    const key = encodeVerifierKey(verifierKeyOf(app.signingKey()));
    await exportLedger(app.store.ledger, path, { publicKey: key });
    const r = await verifyExport(path, { publicKey: key });
    return { ok: r.ok, message: r.error?.message ?? '' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkpointBody,
  cosign,
  parseCheckpointBody,
  signCheckpoint,
  signNote,
  verifyCheckpoint,
  verifyCosignature,
  verifyNote,
} from '../../src/ledger/checkpoint.ts';
import {
  PRIVATE_KEY_FILE,
  PUBLIC_KEY_FILE,
  SIG_TYPE_COSIGNATURE_V1,
  createSigningKey,
  encodeVerifierKey,
  generateSigningKey,
  loadSigningKey,
  parseVerifierKey,
  signingKeyFromSeed,
  verifierKeyOf,
} from '../../src/ledger/signing-key.ts';
import { leafHash } from '../../src/ledger/merkle.ts';

// Test data: the signed-note example of golang.org/x/mod/sumdb/note (note.go documentation
// and note_test.go): key pair, text and the published signature line.
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_SKEY_B64 = 'AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'; // 0x01 || seed
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;
// A cosignature/v1 (type 0x04) verifier key from transparency-dev/formats note tests.
const COSIG_VKEY = 'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2';

test('signed notes interoperate with the Go sumdb/note reference byte for byte', () => {
  const seed = Buffer.from(GO_SKEY_B64, 'base64').subarray(1);
  const key = signingKeyFromSeed('PeterNeumann', seed);
  assert.equal(encodeVerifierKey(verifierKeyOf(key)), GO_VKEY);
  assert.equal(signNote(GO_TEXT, key), GO_NOTE);
  const vkey = parseVerifierKey(GO_VKEY);
  assert.deepEqual(verifyNote(GO_NOTE, vkey), { ok: true, body: GO_TEXT });
  assert.equal(verifyNote(GO_NOTE.replace('cryptography', 'cryptographY'), vkey).ok, false);
});

test('verifier keys: cosignature type parses, a wrong key id or type is refused', () => {
  assert.equal(parseVerifierKey(COSIG_VKEY).type, SIG_TYPE_COSIGNATURE_V1);
  assert.throws(() => parseVerifierKey(GO_VKEY.replace('c74f20a3', 'c74f20a4')), /key id/);
  assert.throws(() => parseVerifierKey('PeterNeumann+c74f20a3'), RangeError);
  // Key material containing '+' (transparency-dev/formats note tests).
  assert.equal(parseVerifierKey('TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6').name, 'TEST');
  assert.throws(() => generateSigningKey('has space'), RangeError);
});

test('checkpoint text is origin, size, base64 root; signatures verify and bind every line', () => {
  const key = generateSigningKey('consentry.test/log');
  const root = leafHash(new Uint8Array([1]));
  const cp = { origin: 'consentry.test/log', size: 42, root, extensions: [] };
  assert.equal(checkpointBody(cp), `consentry.test/log\n42\n${Buffer.from(root).toString('base64')}\n`);
  assert.deepEqual(parseCheckpointBody(checkpointBody(cp)), cp);
  const note = signCheckpoint(cp, key);
  const vkey = verifierKeyOf(key);
  const ok = verifyCheckpoint(note, vkey);
  assert.ok(ok.ok && ok.checkpoint.size === 42);
  assert.equal(verifyCheckpoint(note.replace('\n42\n', '\n43\n'), vkey).ok, false);
  assert.equal(verifyCheckpoint(note, verifierKeyOf(generateSigningKey('consentry.test/log'))).ok, false);
  const sigLine = note.split('\n')[4];
  const forged = `${sigLine.slice(0, -6)}${sigLine.slice(-6) === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA'}`;
  assert.equal(verifyCheckpoint(note.replace(sigLine, forged), vkey).ok, false);
  assert.throws(() => parseCheckpointBody('o\n01\nAAAA\n'), SyntaxError);
});

test('a witness cosigns a checkpoint (cosignature/v1) and tampering is detected', () => {
  const log = generateSigningKey('consentry.test/log');
  const witness = generateSigningKey('regulator.test/witness');
  const note = signCheckpoint({ origin: 'consentry.test/log', size: 7, root: leafHash(new Uint8Array(0)), extensions: [] }, log);
  const cosigned = cosign(note, witness, 1_700_000_000);
  const wkey = verifierKeyOf(witness, SIG_TYPE_COSIGNATURE_V1);
  assert.deepEqual(verifyCosignature(cosigned, wkey), { ok: true, timeSeconds: 1_700_000_000 });
  assert.ok(verifyCheckpoint(cosigned, verifierKeyOf(log)).ok, 'the log signature still verifies');
  assert.equal(verifyCosignature(note, wkey).ok, false, 'absent');
  assert.equal(verifyCosignature(cosigned.replace('\n7\n', '\n8\n'), wkey).ok, false, 'other tree');
  // The cosignature covers the time: claiming another time breaks it.
  const lines = cosigned.trimEnd().split('\n');
  const last = lines[lines.length - 1];
  const [dash, name, b64] = last.split(' ');
  const bytes = Buffer.from(b64, 'base64');
  bytes[11] ^= 1; // inside the 8-byte timestamp after the 4-byte key id
  const moved = cosigned.replace(last, `${dash} ${name} ${bytes.toString('base64')}`);
  assert.equal(verifyCosignature(moved, wkey).ok, false);
});

test('key files: private key mode 0600, public vkey readable, reload, no overwrite, mismatch found', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-key-'));
  try {
    const key = createSigningKey(dir, 'consentry.test/log');
    assert.equal(statSync(join(dir, PRIVATE_KEY_FILE)).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, PUBLIC_KEY_FILE)).mode & 0o777, 0o644);
    const vkey = readFileSync(join(dir, PUBLIC_KEY_FILE), 'utf8').trim();
    assert.equal(vkey, encodeVerifierKey(verifierKeyOf(key)));
    const loaded = loadSigningKey(dir);
    assert.equal(loaded.name, 'consentry.test/log');
    assert.ok(verifyCheckpoint(signCheckpoint({ origin: 'o', size: 0, root: leafHash(new Uint8Array(0)), extensions: [] }, loaded), parseVerifierKey(vkey)).ok);
    assert.throws(() => createSigningKey(dir, 'consentry.test/log'), /already exists/);
    writeFileSync(join(dir, PUBLIC_KEY_FILE), `${encodeVerifierKey(verifierKeyOf(generateSigningKey('consentry.test/log')))}\n`);
    assert.throws(() => loadSigningKey(dir), /does not match/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

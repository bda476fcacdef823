#!/usr/bin/env node
// The floor of a publish: the same files uploaded with plain parallel uploads by
// @azure/storage-blob, at publish's concurrency, in a fresh Node process (so
// both sides pay process start). Usage: floor-upload.mjs <spec.json>
// spec = { accountUrl, account, key, container, prefix, concurrency, files: [{ local, path }] }
import { readFileSync } from 'node:fs';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const service = new BlobServiceClient(spec.accountUrl, new StorageSharedKeyCredential(spec.account, spec.key));
const container = service.getContainerClient(spec.container);
let next = 0;
async function worker() {
  while (next < spec.files.length) {
    const file = spec.files[next++];
    await container.getBlockBlobClient(`${spec.prefix}${file.path}`).uploadFile(file.local);
  }
}
await Promise.all(Array.from({ length: Math.min(spec.concurrency, spec.files.length) }, worker));
console.log(JSON.stringify({ ok: true, files: spec.files.length }));

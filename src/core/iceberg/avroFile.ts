import avro from 'avsc';

/**
 * Avro object container files in memory, through `avsc` (a maintained,
 * dependency-free Avro implementation): Iceberg manifests and manifest lists
 * are small, so they are built and parsed as whole buffers.
 */
export async function encodeAvroFile(
  schema: object,
  records: readonly unknown[],
  metadata: Record<string, string>,
): Promise<Uint8Array> {
  const meta: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(metadata)) meta[key] = Buffer.from(value, 'utf8');
  // Given the schema object (not a Type), avsc writes it to the header verbatim, field ids
  // included; `metadata` is an encoder option avsc documents but its typings omit.
  const encoder = new avro.streams.BlockEncoder(schema as avro.Schema, { codec: 'null', metadata: meta } as object);
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    encoder.on('data', (chunk: Buffer) => chunks.push(chunk));
    encoder.on('end', () => resolve());
    encoder.on('error', reject);
  });
  for (const record of records) encoder.write(record);
  encoder.end();
  await done;
  return Buffer.concat(chunks);
}

/** The records of an Avro container file, decoded with the writer's schema; with its header metadata. */
export async function decodeAvroFile<T>(
  bytes: Uint8Array,
): Promise<{ records: T[]; metadata: Record<string, string> }> {
  const decoder = new avro.streams.BlockDecoder({ codecs: avro.streams.BlockDecoder.defaultCodecs() });
  const records: T[] = [];
  const metadata: Record<string, string> = {};
  return new Promise((resolve, reject) => {
    decoder.on('metadata', (_type: unknown, _codec: unknown, header: { meta: Record<string, Buffer> }) => {
      for (const [key, value] of Object.entries(header.meta)) metadata[key] = value.toString('utf8');
    });
    decoder.on('data', (record: T) => records.push(record));
    decoder.on('end', () => resolve({ records, metadata }));
    decoder.on('error', reject);
    decoder.end(Buffer.from(bytes));
  });
}

import { LakehouseError } from '../errors';
import type { WirePolicy } from './wirePolicies';

/**
 * Headers whose loss breaks a guarantee: the lease, the conditional writes
 * that make publish lost-update-safe, the stamp (metadata) and Content-MD5
 * (how a pull tells a content change from a lease stamp).
 */
const MUST_HONOUR = [
  /^x-ms-lease-/,
  /^x-ms-proposed-lease-id$/,
  /^if-(match|none-match|modified-since|unmodified-since)$/,
  /^x-ms-(source-)?if-/,
  /^x-ms-blob-condition-/,
  /^x-ms-meta-/,
  /^(x-ms-blob-)?content-md5$/,
];

export function mustHonour(header: string): boolean {
  const name = header.trim().toLowerCase();
  return MUST_HONOUR.some((re) => re.test(name));
}

/** The service answered but said it ignored a lease or conditional header: nothing it did can be trusted as guarded. */
export class IgnoredHeaderError extends LakehouseError {
  constructor(
    readonly headers: string[],
    readonly request: string,
  ) {
    super(
      'storage-header-ignored',
      `The storage service ignored ${headers.join(', ')} on ${request}, so the lease and conditional-write guarantees do not hold; Lakehouse Dev stopped instead of writing unguarded.`,
      'This endpoint does not honour blob leases or conditional requests. Check the lakehouse location; OneLake and Azure Storage honour them.',
    );
  }
}

/**
 * Reads `x-ms-rejected-headers` on every response, errors included (OneLake
 * lists the headers it ignored there). A lease or conditional header in it
 * fails the request with IgnoredHeaderError; anything else (tier, ACL, owner)
 * is only reported.
 */
export function rejectedHeadersPolicy(
  onTolerated: (headers: string[], request: string) => void = () => undefined,
): WirePolicy {
  return {
    name: 'lakehouseRejectedHeaders',
    async sendRequest(request, next) {
      const response = await next(request as never);
      const raw = response.headers.get('x-ms-rejected-headers');
      if (!raw) return response;
      const headers = raw
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean);
      // The path only: a query string may hold a SAS.
      const what = `${request.method} ${new URL(request.url).pathname}`;
      const fatal = headers.filter(mustHonour);
      if (fatal.length > 0) throw new IgnoredHeaderError(fatal, what);
      onTolerated(headers, what);
      return response;
    },
  };
}

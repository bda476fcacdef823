import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FabricClient, FabricError } from '../../../src/core/fabric';
import { startFakeFabric, type FakeFabric } from '../../support/fakeFabric';

const HOME = '11111111-1111-1111-1111-111111111111';
const GUEST = '22222222-2222-2222-2222-222222222222';

function workspaces(prefix: string, n: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-ws-${i}`,
    displayName: `${prefix} workspace ${i}`,
    lakehouses: Array.from({ length: 3 }, (_, j) => ({ id: `${prefix}-lh-${i}-${j}`, displayName: `lake_${i}_${j}` })),
  }));
}

describe('Fabric REST client against the fake Fabric server', () => {
  let fabric: FakeFabric;
  let homeToken: string;

  beforeAll(async () => {
    fabric = await startFakeFabric({
      pageSize: 2,
      tenants: {
        [HOME]: {
          workspaces: [
            ...workspaces('home', 5),
            { id: 'locked', displayName: 'Finance', lakehouses: [], noRoleFor: ['dev@contoso.example'] },
          ],
        },
        [GUEST]: { workspaces: workspaces('guest', 1) },
      },
      oneLakeEndpoints: {
        blobEndpoint: 'https://westeurope-onelake.blob.fabric.microsoft.com',
        dfsEndpoint: 'https://westeurope-onelake.dfs.fabric.microsoft.com',
      },
    });
    homeToken = fabric.issueToken(HOME);
  });
  afterAll(() => fabric?.stop());

  const client = (token: string, extra: Partial<ConstructorParameters<typeof FabricClient>[0]> = {}) =>
    new FabricClient({ token: async () => token, baseUrl: fabric.url, ...extra });

  it('follows continuation across every page of workspaces and lakehouses', async () => {
    const before = fabric.requests.length;
    const list = await client(homeToken).listWorkspaces();
    expect(list.map((w) => w.id)).toEqual(['home-ws-0', 'home-ws-1', 'home-ws-2', 'home-ws-3', 'home-ws-4', 'locked']);
    // 6 workspaces at 2 per page: exactly 3 requests, the later ones carrying the continuation token.
    const calls = fabric.requests.slice(before);
    expect(calls).toHaveLength(3);
    expect(calls.slice(1).every((r) => r.path.includes('continuationToken='))).toBe(true);

    const lakes = await client(homeToken).listLakehouses('home-ws-3');
    expect(lakes.map((l) => l.displayName)).toEqual(['lake_3_0', 'lake_3_1', 'lake_3_2']);
    expect(lakes.every((l) => l.workspaceId === 'home-ws-3')).toBe(true);
  });

  it("reads a workspace's regional OneLake endpoints", async () => {
    const ws = await client(homeToken).getWorkspace('home-ws-1');
    expect(ws.oneLakeEndpoints?.blobEndpoint).toBe('https://westeurope-onelake.blob.fabric.microsoft.com');
    expect(ws.oneLakeEndpoints?.dfsEndpoint).toBe('https://westeurope-onelake.dfs.fabric.microsoft.com');
  });

  it('waits out 429 Retry-After and then succeeds', async () => {
    fabric.throttle(2, 1);
    const before = fabric.requests.length;
    const lakes = await client(homeToken).listLakehouses('home-ws-0');
    expect(lakes).toHaveLength(3);
    const statuses = fabric.requests.slice(before).map((r) => r.status);
    expect(statuses).toEqual([429, 429, 200, 200]);
  });

  it('gives up with a clear error when throttled longer than it may wait, without retrying', async () => {
    fabric.throttle(1, 120);
    const before = fabric.requests.length;
    const error = await client(homeToken, { maxRetryAfterMs: 5_000 })
      .listWorkspaces()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FabricError);
    expect((error as FabricError).code).toBe('fabric-throttled');
    expect((error as FabricError).errorCode).toBe('RequestBlocked');
    expect(fabric.requests.length - before).toBe(1);
  });

  it('stops waiting when cancelled', async () => {
    fabric.throttle(1, 30);
    const controller = new AbortController();
    const pending = client(homeToken).listWorkspaces(controller.signal);
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    fabric.throttle(0, 0);
  });

  it('401: says to sign in again, with the request id', async () => {
    const token = fabric.issueToken(HOME);
    fabric.revoke(token);
    const error = (await client(token)
      .listWorkspaces()
      .catch((e: unknown) => e)) as FabricError;
    expect(error.code).toBe('fabric-signin');
    expect(error.status).toBe(401);
    expect(error.errorCode).toBe('TokenExpired');
    expect(error.message).toMatch(/sign-in was not accepted.*request id [0-9a-f-]{36}/);
    expect(error.hint).toMatch(/Sign In to Microsoft Fabric/);
  });

  it('403: names the workspace role and the delegated scope that are missing', async () => {
    const error = (await client(homeToken)
      .listLakehouses('locked')
      .catch((e: unknown) => e)) as FabricError;
    expect(error.code).toBe('fabric-forbidden');
    expect(error.errorCode).toBe('InsufficientPrivileges');
    expect(error.message).toMatch(/no role in this workspace/);
    expect(error.hint).toMatch(/Viewer or higher/);
    expect(error.hint).toMatch(/Lakehouse\.Read\.All or Item\.Read\.All/);
  });

  it('404: says the workspace is gone or not shared with this account', async () => {
    const error = (await client(homeToken)
      .getWorkspace('no-such-workspace')
      .catch((e: unknown) => e)) as FabricError;
    expect(error.code).toBe('fabric-not-found');
    expect(error.errorCode).toBe('WorkspaceNotFound');
    expect(error.hint).toMatch(/no role in it/);
  });

  it("a guest tenant's token sees that tenant's workspaces only", async () => {
    const guest = fabric.issueToken(GUEST, 'dev@contoso.example');
    expect((await client(guest).listWorkspaces()).map((w) => w.id)).toEqual(['guest-ws-0']);
    // The home tenant's workspace does not exist from the guest tenant's point of view.
    await expect(client(guest).listLakehouses('home-ws-0')).rejects.toMatchObject({ code: 'fabric-not-found' });
    expect(fabric.requests.at(-1)?.tenant).toBe(GUEST);
  });

  it('does not send the token to a continuationUri on another host', async () => {
    const seen: string[] = [];
    const hostile = new FabricClient({
      token: async () => homeToken,
      baseUrl: fabric.url,
      fetch: async (input) => {
        const url = String(input);
        seen.push(url);
        const body = url.includes('continuationToken')
          ? { value: [{ id: 'b' }] }
          : {
              value: [{ id: 'a' }],
              continuationToken: 'T1',
              continuationUri: 'https://evil.example/v1/workspaces?x=1',
            };
        return new Response(JSON.stringify(body), { status: 200 });
      },
    });
    expect((await hostile.listWorkspaces()).map((w) => w.id)).toEqual(['a', 'b']);
    expect(seen.every((u) => u.startsWith(fabric.url))).toBe(true);
  });
});

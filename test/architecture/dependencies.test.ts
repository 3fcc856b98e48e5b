import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importGraph, sourceFiles } from './import-graph.ts';
import { violations, type Layer, type PackageRule } from './layers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The arrows of `../shared/ARCHITECTURE.md`, checked: data flows gateway -> session -> domain
 * -> ports, never back. A layer may import its own files and those it names in `may`.
 */
const LAYERS: Layer[] = [
  { name: 'protocol', files: /^protocol\//, may: [] },
  { name: 'sdk', files: /^clients\/sdk\//, may: ['protocol'] },
  { name: 'web', files: /^clients\/web\//, may: ['sdk', 'protocol'] },
  // The token CLI is an operator's tool on the node's machine: it signs with the node's key.
  // audit:verify opens the store the node's settings name, to walk its chain.
  { name: 'cli', files: /^clients\/cli\//, may: ['config', 'store', 'auth', 'util', 'protocol'] },
  { name: 'media', files: /^media\//, may: ['protocol'] },
  // trusted-proxies.ts is address syntax: config checks LAWLINE_TRUSTED_PROXIES with it at start and
  // the gateway matches peers against the list it builds, so it sits below both, not in the gateway.
  { name: 'util', files: /^server\/(log|metrics|runtime|data-dir|probe|trusted-proxies|owner)\.ts$/, may: ['protocol'] },
  { name: 'store', files: /^server\/store\//, may: ['util', 'protocol'] },
  { name: 'backplane', files: /^server\/backplane\//, may: ['util', 'protocol'] },
  { name: 'auth', files: /^server\/auth\//, may: ['util', 'protocol'] },
  { name: 'session', files: /^server\/session\//, may: ['auth', 'backplane', 'util', 'protocol'] },
  { name: 'kernel', files: /^server\/kernel\//, may: ['session', 'auth', 'store', 'backplane', 'util', 'protocol'] },
  {
    name: 'domain',
    files: /^server\/(presence|routing|consultation|alerts|supervision|quality|retention)\//,
    may: ['kernel', 'session', 'auth', 'store', 'backplane', 'util', 'protocol'],
    isolated: true,
  },
  // Calls drive the media engine through media/'s interface; no other domain folder imports them.
  { name: 'call', files: /^server\/call\//, may: ['kernel', 'session', 'auth', 'store', 'backplane', 'media', 'util', 'protocol'] },
  { name: 'cluster', files: /^server\/cluster\//, may: ['domain', 'kernel', 'session', 'auth', 'store', 'backplane', 'util', 'protocol'] },
  { name: 'gateway', files: /^server\/gateway\//, may: ['domain', 'session', 'auth', 'util', 'protocol'] },
  { name: 'config', files: /^server\/config\.ts$/, may: ['domain', 'media', 'util', 'protocol'] },
  { name: 'root', files: /^server\/(main|node)\.ts$/, may: ['config', 'gateway', 'cluster', 'domain', 'call', 'kernel', 'session', 'auth', 'store', 'backplane', 'media', 'util', 'protocol'] },
];

/** Infrastructure sits behind its port: only the layer that implements it touches the library. */
const PACKAGES: PackageRule[] = [
  { pkg: 'uWebSockets.js', only: ['gateway'] },
  { pkg: 'ioredis', only: ['backplane'] },
  { pkg: 'pg', only: ['store'] },
  { pkg: 'jose', only: ['auth'] },
  { pkg: 'pino', only: ['util'] },
  // The web page's view library: the SDK and the protocol stay framework-free, for any client.
  { pkg: 'preact', only: ['web'] },
];

const PRODUCT = ['protocol', 'server', 'clients', 'media'];

describe('dependency direction', () => {
  it('every import in the product follows the layers of ARCHITECTURE.md', () => {
    const found = violations(importGraph(ROOT, sourceFiles(ROOT, PRODUCT)), LAYERS, PACKAGES);
    expect(found.map((v) => `${v.edge.from} -> ${v.edge.to}: ${v.why}`)).toEqual([]);
  });

  it('catches a wrong arrow, a domain folder importing its sibling, a package outside its layer and a test import', () => {
    const edges = [
      { from: 'server/store/file/index.ts', to: 'server/routing/router.ts' },
      { from: 'server/presence/duty.ts', to: 'server/routing/service.ts' },
      { from: 'server/routing/router.ts', to: 'pkg:ioredis' },
      { from: 'server/store/contract.ts', to: 'pkg:vitest' },
      { from: 'server/somewhere/new.ts', to: 'protocol/frames.ts' },
      { from: 'server/routing/router.ts', to: 'server/routing/match.ts' },
      { from: 'server/gateway/http.ts', to: 'server/session/connection.ts' },
    ];
    expect(violations(edges, LAYERS, PACKAGES).map((v) => v.why)).toEqual([
      'store may not import domain',
      'server/presence and server/routing are sibling domain folders: share through a layer below',
      'ioredis is used only by backplane',
      'production code imports test code',
      'server/somewhere/new.ts is in no layer',
    ]);
  });
});

import { readFileSync } from 'node:fs';

type LockEntry = Record<string, unknown> & {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  inBundle?: boolean;
};
type Lock = { packages: Record<string, LockEntry> };

// Where Node finds `name` from the package at `from`: its own node_modules, then each parent's.
const resolveIn = (packages: Lock['packages'], from: string, name: string) => {
  for (let dir = from; ; ) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return undefined;
    const at = dir.lastIndexOf('/node_modules/');
    dir = at < 0 ? '' : dir.slice(0, at);
  }
};

/**
 * A package-lock (and the package.json dependencies it goes with) for a fresh project that depends on `roots` (names in this repository's lock) and
 * on `tarball`: the same versions, resolved and integrity as this repository's install, so
 * `npm ci --offline` installs it from npm's cache with no registry request.
 */
export const offlineLock = (input: {
  repoLock: string;
  /** npm's registry (`npm config get registry`): the lock names each tarball's URL there. */
  registry: string;
  roots: string[];
  tarball: {
    file: string;
    manifest: { name: string; version: string; dependencies: Record<string, string>; bin?: unknown };
  };
}): { lock: string; dependencies: Record<string, string> } => {
  const repo = JSON.parse(readFileSync(input.repoLock, 'utf8')) as Lock;
  const { manifest } = input.tarball;
  const own = `node_modules/${manifest.name}`;
  const packages: Lock['packages'] = {
    [own]: {
      version: manifest.version,
      resolved: `file:${input.tarball.file}`,
      dependencies: manifest.dependencies,
      ...(manifest.bin ? { bin: manifest.bin } : {}),
    },
  };
  const queue: [string, string][] = [
    ...input.roots.map((name): [string, string] => ['', name]),
    ...Object.keys(manifest.dependencies).map((name): [string, string] => ['', name]),
  ];
  while (queue.length > 0) {
    const [from, name] = queue.shift()!;
    const path = resolveIn(repo.packages, from, name);
    if (!path || packages[path]) continue;
    const {
      dev: _d,
      peer: _p,
      devOptional: _o,
      ...entry
    } = repo.packages[path]! as LockEntry & {
      dev?: boolean;
      peer?: boolean;
      devOptional?: boolean;
    };
    // The repository's lock leaves registry URLs out (omit-lockfile-registry-resolved); without one
    // npm asks the registry for the package's metadata, which --offline forbids.
    const pkg = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (!entry.resolved && !entry.inBundle && !entry.link)
      entry.resolved = `${input.registry.replace(/\/?$/, '/')}${pkg}/-/${pkg.split('/').at(-1)}-${String(entry.version)}.tgz`;
    packages[path] = entry;
    for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies }))
      queue.push([path, dep]);
    // Dependencies shipped inside a package's own tarball come with it.
    for (const [inner, innerEntry] of Object.entries(repo.packages))
      if (innerEntry.inBundle && inner.startsWith(`${path}/node_modules/`)) packages[inner] = innerEntry;
  }
  const versions = Object.fromEntries(
    input.roots.map((name) => [name, String(packages[`node_modules/${name}`]?.version)]),
  );
  const dependencies = { ...versions, [manifest.name]: `file:${input.tarball.file}` };
  const lock = {
    name: 'user-app',
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: 'user-app', dependencies }, ...packages },
  };
  return { lock: JSON.stringify(lock, null, 2), dependencies };
};

// Fails fast with one clear line when npm scripts do not run on the pinned Node 24
// (the `node` devDependency puts its binary first on PATH inside npm scripts).
const major = Number(process.versions.node.split('.')[0]);
if (major !== 24) {
  console.error(`VectorWatch needs Node 24 LTS inside npm scripts, got ${process.version}. Run \`npm install\` (it installs the pinned node package).`);
  process.exit(1);
}

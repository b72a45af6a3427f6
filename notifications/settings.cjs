// Node-RED settings for the VectorWatch notification flows, read by Node-RED itself (CommonJS).
// The runner (notifications/main.ts) validates the environment first and passes what is needed here.
// Safe defaults: loopback listener, editor off unless NODE_RED_ADMIN_PASSWORD is set, no palette or module installs
// at run time (nothing is downloaded), no telemetry or update checks.
const crypto = require('node:crypto');
const nodemailer = require('nodemailer');

const adminPassword = process.env.NODE_RED_ADMIN_PASSWORD || '';

/** Constant-time comparison of the editor password (Node-RED's custom `authenticate` hook). */
function passwordMatches(given) {
  const a = crypto.createHash('sha256').update(String(given)).digest();
  const b = crypto.createHash('sha256').update(adminPassword).digest();
  return crypto.timingSafeEqual(a, b);
}
const admin = { username: 'admin', permissions: '*' };

module.exports = {
  uiHost: process.env.NODE_RED_HOST || '127.0.0.1',
  uiPort: Number(process.env.NODE_RED_PORT || 1880),
  // Credentials (the svc:notifier broker password) are written by the runner from the environment, in plain JSON
  // inside the user directory; nothing secret is committed.
  credentialSecret: false,
  flowFilePretty: true,
  httpAdminRoot: adminPassword ? '/admin' : false,
  adminAuth: adminPassword
    ? {
        type: 'credentials',
        users: async (username) => (username === admin.username ? admin : null),
        authenticate: async (username, password) => (username === admin.username && passwordMatches(password) ? admin : null),
      }
    : undefined,
  httpNodeRoot: '/',
  disableEditor: !adminPassword,
  functionExternalModules: false,
  functionTimeout: 30,
  externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
  functionGlobalContext: { crypto, nodemailer },
  contextStorage: {
    // Which events were notified survives restarts (no repeat messages for retained alerts).
    default: { module: 'localfilesystem' },
    memory: { module: 'memory' },
  },
  logging: {
    console: { level: process.env.NODE_RED_LOG_LEVEL || 'info', metrics: false, audit: false },
  },
  diagnostics: { enabled: false, ui: false },
  runtimeState: { enabled: false, ui: false },
  telemetry: { enabled: false },
  editorTheme: { projects: { enabled: false }, palette: { editable: false }, tours: false },
};

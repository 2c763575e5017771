// Writes to stderr: foreman shows it in the same log, under the same prefix.
console.error("alerts: watching (this line is on stderr)");
const timer = setInterval(() => console.error("alerts: all quiet"), 2500);
process.on("SIGTERM", () => clearInterval(timer));

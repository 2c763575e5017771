// A worker that prints a line each second until it is asked to stop.
let tick = 0;
console.log("worker ready");
const timer = setInterval(() => {
  tick += 1;
  console.log(`tick ${tick}`);
}, 1000);
process.on("SIGTERM", () => {
  clearInterval(timer);
  console.log(`stopping after ${tick} ticks`);
});

// e2e.mjs — weft serve in headless Chromium: an edited page shows without
// a manual reload, a stylesheet is swapped without one, a failed build
// shows an overlay that goes away when fixed, and a restarted server
// reloads the page. Prints TAP.
//
//   node e2e.mjs WEFT SITEDIR CHROMIUM LOG
import { spawn } from "node:child_process";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [weft, site, executablePath, log] = process.argv.slice(2);
let n = 0, failed = 0, server = null;

function ok(cond, what) {
	n++;
	if (!cond)
		failed++;
	console.log(`${cond ? "ok" : "not ok"} ${n} - ${what}`);
}

// Starts weft serve on port (0: any); resolves to its URL.
function start(port) {
	return new Promise((resolve, reject) => {
		const p = spawn(weft, ["serve", "--port", String(port)], { cwd: site });
		let out = "";
		p.stdout.on("data", (d) => {
			out += d;
			const m = /http:\/\/\S+/.exec(out);
			if (m)
				resolve(m[0]);
		});
		p.stderr.on("data", (d) => appendFileSync(log, d));
		p.on("exit", (code) => reject(new Error(`weft serve exited (${code}) before serving`)));
		server = p;
	});
}

function stop() {
	return new Promise((resolve) => {
		if (!server || server.exitCode !== null)
			return resolve(server ? server.exitCode : 0);
		server.removeAllListeners("exit");
		server.on("exit", (code) => resolve(code));
		server.kill("SIGINT");
	});
}

// Whether the page still runs the document it had when mark was set.
async function marked(page, mark) {
	try {
		return await page.evaluate((m) => window.weftTestMark === m, mark);
	} catch {
		return false;
	}
}

async function run(context, page, url) {
	const about = join(site, "about.mdwn");
	const css = join(site, "local.css");
	const tmpl = join(site, "templates", "inlinepage.tmpl");
	const timeout = 10000;

	await page.goto(url + "about/");
	ok(/About/i.test(await page.textContent("body")), "the about page opens");
	ok(await page.evaluate(() => !!document.querySelector('script[src="/__weft/livereload.js"]')),
	   "it has the live reload client");
	await page.waitForTimeout(300);	/* the event stream connects */

	// Edit the page's source: the new text shows by itself.
	const token = `Edited-${Date.now()}`;
	await page.evaluate(() => { window.weftTestMark = "edit"; });
	const t0 = Date.now();
	writeFileSync(about, readFileSync(about, "utf8") + `\n${token}\n`);
	let shown = true;
	try {
		await page.waitForFunction((t) => document.body && document.body.innerText.includes(t),
					   token, { timeout, polling: 20 });
	} catch {
		shown = false;
	}
	const latency = Date.now() - t0;
	ok(shown, `the edited text shows without a manual reload (${latency} ms from save)`);
	console.log(`# latency from save to the new text on screen: ${latency} ms`);
	ok(!(await marked(page, "edit")), "by reloading the page");

	// Edit the stylesheet: it is swapped in place, the page stays.
	await page.evaluate(() => { window.weftTestMark = "css"; });
	const loads = [];
	page.on("load", () => loads.push(Date.now()));
	writeFileSync(css, "body { background-color: rgb(1, 2, 3) !important; }\n");
	let styled = true;
	try {
		await page.waitForFunction(() => getComputedStyle(document.body).backgroundColor === "rgb(1, 2, 3)",
					   null, { timeout, polling: 20 });
	} catch {
		styled = false;
	}
	ok(styled, "the stylesheet change applies without a manual reload");
	ok(await marked(page, "css"), "without reloading the page (a variable set on it survives)");
	ok(loads.length === 0, `and without a navigation (${loads.length} loads)`);
	ok(await page.evaluate(() => document.querySelectorAll('link[rel~="stylesheet"][href*="local.css"]').length === 1),
	   "the old stylesheet link is replaced, not added to");

	// Break a template: an overlay with the file, line and message.
	const good = readFileSync(tmpl, "utf8");
	writeFileSync(tmpl, good + "\n<TMPL_IF title>\n<b>never closed\n");
	let overlay = true;
	try {
		await page.waitForSelector("#weft-build-error", { timeout });
	} catch {
		overlay = false;
	}
	ok(overlay, "a failed build shows an overlay");
	const text = overlay ? await page.textContent("#weft-build-error") : "";
	ok(/templates\/inlinepage\.tmpl:\d+:/.test(text), "naming the file and line");
	ok(/<TMPL_IF>/.test(text), "and the message, as text");
	ok(await page.evaluate(() => !document.querySelector("#weft-build-error tmpl_if")),
	   "escaped: the message makes no elements");

	// A page opened while the build is broken shows it too.
	const other = await context.newPage();
	await other.goto(url);
	let also = true;
	try {
		await other.waitForSelector("#weft-build-error", { timeout });
	} catch {
		also = false;
	}
	ok(also, "a page opened while the build is broken shows the overlay");
	await other.close();

	// Fix it: the overlay goes away by itself.
	writeFileSync(tmpl, good);
	let gone = true;
	try {
		await page.waitForSelector("#weft-build-error", { state: "detached", timeout });
	} catch {
		gone = false;
	}
	ok(gone, "fixing the template removes the overlay");

	// Restart the server on the same port: the page reloads.
	await page.waitForTimeout(500);
	await page.evaluate(() => { window.weftTestMark = "restart"; });
	const port = new URL(url).port;
	const code = await stop();
	ok(code === 0, `Ctrl-C stops the server (exit ${code})`);
	await page.waitForTimeout(1500);
	ok(await marked(page, "restart"), "the page stays while the server is away");
	await start(port);
	let reloaded = false;
	for (let i = 0; i < 100 && !reloaded; i++) {
		await page.waitForTimeout(100);
		reloaded = !(await marked(page, "restart"));
	}
	ok(reloaded, "a restarted server reloads the page when it reconnects");
	await page.waitForLoadState("load");
	ok((await page.textContent("body")).includes(token), "which shows the site again");
}

let browser = null;
try {
	const url = await start(0);
	browser = await chromium.launch({
		executablePath,
		headless: true,
		args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		       "--disable-background-networking", "--disable-component-update",
		       "--disable-sync"],
	});
	const context = await browser.newContext();
	await run(context, await context.newPage(), url);
} catch (e) {
	ok(false, `the test ran to its end: ${String(e.message || e).split("\n")[0]}`);
} finally {
	if (browser)
		await browser.close();
	await stop();
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);

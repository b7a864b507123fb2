// weft dashboard: live updates. Every few seconds, while the page is
// visible, the script asks the server for the page's live part (rendered
// and escaped by the same template as the page) and puts it in place when
// it changed. Each ask is a short request, so any number of open tabs
// share the browser's connections. No framework, no build.
(function () {
	'use strict';
	var main = document.getElementById('live');
	var status = document.getElementById('live-status');
	if (!main || !window.fetch) return;
	var url = main.getAttribute('data-live');
	if (!url) return;
	var every = parseInt(main.getAttribute('data-refresh'), 10) || 1000;
	var etag = null, timer = null, busy = false;

	function mark(ok, why) {
		if (!status) return;
		status.textContent = ok ? 'live' : why;
		status.className = ok ? 'live on' : 'live off';
		status.title = ok ? 'this page updates itself' : 'the dashboard cannot be reached; retrying';
	}

	function put(html) {
		// Keep what the reader opened (the halt menu) and where the focus was.
		var open = {};
		main.querySelectorAll('details[id]').forEach(function (d) { open[d.id] = d.open; });
		var focus = document.activeElement;
		var focusKey = focus && focus.closest && focus.closest('main') ? focus.outerHTML : null;
		main.innerHTML = html;
		main.querySelectorAll('details[id]').forEach(function (d) {
			if (Object.prototype.hasOwnProperty.call(open, d.id)) d.open = open[d.id];
		});
		if (focusKey) {
			main.querySelectorAll('a, button, summary').forEach(function (el) {
				if (el.outerHTML === focusKey) el.focus();
			});
		}
	}

	function schedule() {
		clearTimeout(timer);
		timer = document.hidden ? null : setTimeout(ask, every);
	}

	function ask() {
		if (busy) return;
		busy = true;
		var headers = {};
		if (etag) headers['If-None-Match'] = etag;
		fetch(url, {headers: headers, cache: 'no-store', credentials: 'same-origin'}).then(function (res) {
			if (res.status === 401) { // the session expired: the page asks for the token again
				window.location.reload();
				return null;
			}
			if (res.status === 304) return null;
			if (!res.ok) throw new Error('status ' + res.status);
			etag = res.headers.get('ETag');
			return res.text();
		}).then(function (html) {
			if (html !== null) put(html);
			mark(true);
		}).catch(function () {
			mark(false, 'reconnecting…');
		}).then(function () {
			busy = false;
			schedule();
		});
	}

	// A hidden tab asks for nothing; shown again, it asks at once.
	document.addEventListener('visibilitychange', function () {
		if (document.hidden) {
			clearTimeout(timer);
			timer = null;
		} else if (!busy) {
			ask();
		}
	});
	ask();
})();

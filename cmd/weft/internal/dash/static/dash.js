// weft dashboard: live updates. The server sends each page's live part,
// rendered and escaped by the same template as the page, as a
// server-sent event; this script puts it in place. No framework, no build.
(function () {
	'use strict';
	var main = document.getElementById('live');
	var status = document.getElementById('live-status');
	if (!main || !window.EventSource) return;
	var url = main.getAttribute('data-stream');
	if (!url) return;

	function mark(ok) {
		if (!status) return;
		status.textContent = ok ? 'live' : 'reconnecting…';
		status.className = ok ? 'live on' : 'live off';
		status.title = ok ? 'this page updates itself' : 'the connection to the dashboard was lost; retrying';
	}

	var es = new EventSource(url);
	es.addEventListener('open', function () { mark(true); });
	es.addEventListener('error', function () { mark(false); });
	es.addEventListener('update', function (e) {
		// Keep what the reader opened (the halt menu) and where the focus was.
		var open = {};
		main.querySelectorAll('details[id]').forEach(function (d) { open[d.id] = d.open; });
		var focus = document.activeElement;
		var focusKey = focus && focus.closest && focus.closest('main') ? focus.outerHTML : null;
		main.innerHTML = e.data;
		main.querySelectorAll('details[id]').forEach(function (d) {
			if (Object.prototype.hasOwnProperty.call(open, d.id)) d.open = open[d.id];
		});
		if (focusKey) {
			main.querySelectorAll('a, button, summary').forEach(function (el) {
				if (el.outerHTML === focusKey) el.focus();
			});
		}
		mark(true);
	});
	es.addEventListener('expired', function () {
		es.close();
		window.location.reload();
	});
	window.addEventListener('pagehide', function () { es.close(); });
})();

/*
 * The "Listen to this article" box in the post editor: keeps the status current while a
 * narration is being made, and drives the "Regenerate" button. Plain JavaScript, no build.
 */
(function () {
	'use strict';

	var box = document.getElementById('articulate-status');
	if (!box || !window.wp || !window.wp.apiFetch) {
		return;
	}
	var post = box.getAttribute('data-post');
	var path = '/articulate/v1/posts/' + post;
	var timer = null;

	function busy(status) {
		return status === 'queued' || status === 'playable';
	}

	function show(report) {
		box.setAttribute('data-status', report.status);
		box.innerHTML = report.html;
		schedule(report.status);
	}

	// Every 2 s while a narration is under way; now and then otherwise, since the block
	// editor publishes without reloading the page.
	function schedule(status) {
		window.clearTimeout(timer);
		timer = window.setTimeout(refresh, busy(status) ? 2000 : 15000);
	}

	function refresh() {
		window.wp.apiFetch({ path: path }).then(show, function () {
			schedule(box.getAttribute('data-status'));
		});
	}

	box.addEventListener('click', function (event) {
		var button = event.target.closest('.articulate-regenerate');
		if (!button) {
			return;
		}
		button.disabled = true;
		window.wp.apiFetch({ path: path + '/regenerate', method: 'POST' }).then(show, function (error) {
			button.disabled = false;
			window.alert((error && error.message) || 'The narration could not be started.');
		});
	});

	// In the block editor, look again as soon as a save finishes.
	if (window.wp.data && window.wp.data.select('core/editor')) {
		var saving = false;
		window.wp.data.subscribe(function () {
			var editor = window.wp.data.select('core/editor');
			var now = editor.isSavingPost() && !editor.isAutosavingPost();
			if (saving && !now) {
				window.setTimeout(refresh, 500);
			}
			saving = now;
		});
	}

	schedule(box.getAttribute('data-status'));
}());

<?php
/**
 * Router for PHP's built-in server: existing files as they are, everything else to
 * WordPress's index.php (what Apache's rewrite rules do), so pretty permalinks and
 * /wp-json/ work.
 */

$articulate_path = (string) parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH );
if ( '/' !== $articulate_path && file_exists( $_SERVER['DOCUMENT_ROOT'] . $articulate_path ) ) {
	return false;
}
$_SERVER['SCRIPT_NAME']     = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $_SERVER['DOCUMENT_ROOT'] . '/index.php';
$_SERVER['PHP_SELF']        = '/index.php';
require $_SERVER['DOCUMENT_ROOT'] . '/index.php';

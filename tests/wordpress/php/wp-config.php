<?php
/**
 * The test site's wp-config.php: a scratch database on a socket of the test's own MariaDB,
 * every path and URL from the environment the test starts PHP with.
 */

define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'root' );
define( 'DB_PASSWORD', '' );
define( 'DB_HOST', 'localhost:' . getenv( 'ARTICULATE_WP_DB_SOCKET' ) );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );

// A throwaway site: fixed keys are fine.
foreach ( array( 'AUTH', 'SECURE_AUTH', 'LOGGED_IN', 'NONCE' ) as $articulate_key ) {
	define( $articulate_key . '_KEY', 'articulate-test-' . $articulate_key . '-key' );
	define( $articulate_key . '_SALT', 'articulate-test-' . $articulate_key . '-salt' );
}
$table_prefix = 'wp_';

define( 'WP_HOME', getenv( 'ARTICULATE_WP_URL' ) );
define( 'WP_SITEURL', getenv( 'ARTICULATE_WP_URL' ) );
define( 'WP_CONTENT_DIR', __DIR__ . '/wp-content' );
define( 'WP_CONTENT_URL', getenv( 'ARTICULATE_WP_URL' ) . '/wp-content' );

// Every notice, warning and deprecation goes to a log the test reads; none to the page.
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_LOG', getenv( 'ARTICULATE_WP_LOG' ) );
define( 'WP_DEBUG_DISPLAY', false );

// Nothing leaves the machine: no update checks, no cron spawning, loopback only.
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_AUTO_UPDATE_CORE', false );
define( 'DISABLE_WP_CRON', true );
// Application passwords (the test's REST client) outside HTTPS.
define( 'WP_ENVIRONMENT_TYPE', 'local' );

if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';

<?php
/**
 * Set up the test site from the command line, as an administrator would:
 *   php setup.php install     install WordPress (admin user, pretty permalinks, theme)
 *   php setup.php configure   activate the plugin, set its options, print an application
 *                             password for the REST API
 *   php setup.php save-twice POST   save the post twice, unchanged; print its state and error
 * Paths, URLs and the plugin's settings come from the environment.
 */

$articulate_url             = getenv( 'ARTICULATE_WP_URL' );
$articulate_parts           = parse_url( $articulate_url );
$_SERVER['HTTP_HOST']       = $articulate_parts['host'] . ':' . $articulate_parts['port'];
$_SERVER['REQUEST_URI']     = '/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
$articulate_mode            = $argv[1] ?? '';

if ( 'install' === $articulate_mode ) {
	define( 'WP_INSTALLING', true );
	// No mail server here: the "your new site" mail is not sent.
	function wp_new_blog_notification() {}
	require getenv( 'ARTICULATE_WP_ROOT' ) . '/wp-load.php';
	require_once ABSPATH . 'wp-admin/includes/upgrade.php';
	$articulate_installed = wp_install( 'Articulate test site', 'admin', 'admin@example.com', false, '', getenv( 'ARTICULATE_WP_PASSWORD' ) );
	if ( is_wp_error( $articulate_installed['password'] ?? null ) ) {
		fwrite( STDERR, "install failed\n" );
		exit( 1 );
	}
	update_option( 'permalink_structure', '/%year%/%monthnum%/%postname%/' );
	// Avatars come from gravatar.com: nothing on these pages may reach the internet.
	update_option( 'show_avatars', 0 );
	exit( 0 );
}

if ( 'configure' === $articulate_mode ) {
	require getenv( 'ARTICULATE_WP_ROOT' ) . '/wp-load.php';
	require_once ABSPATH . 'wp-admin/includes/plugin.php';
	wp_set_current_user( 1 );
	switch_theme( 'twentytwentythree' );
	flush_rewrite_rules( false );
	$articulate_active = activate_plugin( 'articulate/articulate.php' );
	if ( is_wp_error( $articulate_active ) ) {
		fwrite( STDERR, 'plugin not activated: ' . $articulate_active->get_error_message() . "\n" );
		exit( 1 );
	}
	foreach ( array( 'articulate_service_url', 'articulate_token', 'articulate_secret', 'articulate_voice' ) as $articulate_option ) {
		update_option( $articulate_option, (string) getenv( strtoupper( $articulate_option ) ) );
	}
	// The block editor's welcome guide shows a picture from wordpress.org: seen already.
	global $wpdb;
	update_user_meta(
		1,
		$wpdb->get_blog_prefix() . 'persisted_preferences',
		array(
			'core/edit-post' => array( 'welcomeGuide' => false ),
			'_modified'      => gmdate( 'c' ),
		)
	);
	$articulate_app = WP_Application_Passwords::create_new_application_password( 1, array( 'name' => 'articulate test' ) );
	if ( is_wp_error( $articulate_app ) ) {
		fwrite( STDERR, 'no application password: ' . $articulate_app->get_error_message() . "\n" );
		exit( 1 );
	}
	echo $articulate_app[0], "\n";
	exit( 0 );
}

if ( 'save-twice' === $articulate_mode ) {
	// Saved twice in a row with nothing changed, as the block editor saves a post and then
	// its meta boxes: print the post's articulate state and error afterwards.
	require getenv( 'ARTICULATE_WP_ROOT' ) . '/wp-load.php';
	wp_set_current_user( 1 );
	$articulate_post = (int) ( $argv[2] ?? 0 );
	for ( $articulate_i = 0; $articulate_i < 2; $articulate_i++ ) {
		$articulate_saved = wp_update_post( array( 'ID' => $articulate_post ), true );
		if ( is_wp_error( $articulate_saved ) ) {
			fwrite( STDERR, 'not saved: ' . $articulate_saved->get_error_message() . "\n" );
			exit( 1 );
		}
	}
	echo get_post_meta( $articulate_post, '_articulate_state', true ), "\n", get_post_meta( $articulate_post, '_articulate_error', true ), "\n";
	exit( 0 );
}

fwrite( STDERR, "usage: php setup.php install|configure|save-twice POST\n" );
exit( 2 );

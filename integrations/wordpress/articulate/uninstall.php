<?php
/**
 * Removing the plugin removes its settings. Post meta (audio URLs, chapters) stays, so a
 * reinstall finds the narrations; the audio itself lives on the articulate service.
 *
 * @package Articulate
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

foreach ( array( 'articulate_service_url', 'articulate_token', 'articulate_secret', 'articulate_voice', 'articulate_post_types', 'articulate_player_position' ) as $articulate_option ) {
	delete_option( $articulate_option );
}
delete_transient( 'articulate_voices' );

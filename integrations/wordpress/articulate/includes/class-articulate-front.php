<?php
/**
 * What visitors get: the player in the post once its audio exists (one element and one
 * script tag, as serve's published player is embedded), and the audio as an enclosure in
 * the site's own RSS feed.
 *
 * @package Articulate
 */

defined( 'ABSPATH' ) || exit;

/**
 * The player and the feed enclosure.
 */
final class Articulate_Front {

	/** The player script's handle. */
	const SCRIPT = 'articulate-player';

	/** @var bool Set while the webhook's HTML is rendered, which must not hold the player. */
	private static $rendering = false;

	/** Hook up. */
	public static function register() {
		add_filter( 'the_content', array( __CLASS__, 'player' ), 20 );
		add_action( 'rss2_ns', array( __CLASS__, 'feed_namespace' ) );
		add_action( 'rss2_item', array( __CLASS__, 'feed_item' ) );
		add_action( 'atom_entry', array( __CLASS__, 'atom_entry' ) );
	}

	/**
	 * The post's content as visitors read it, without the player: what is narrated.
	 *
	 * @param WP_Post $post The post.
	 * @return string
	 */
	public static function rendered_content( $post ) {
		$previous        = $GLOBALS['post'] ?? null;
		$GLOBALS['post'] = $post; // phpcs:ignore WordPress.WP.GlobalVariablesOverride
		setup_postdata( $post );
		self::$rendering = true;
		try {
			$html = apply_filters( 'the_content', $post->post_content );
		} finally {
			self::$rendering = false;
			$GLOBALS['post'] = $previous; // phpcs:ignore WordPress.WP.GlobalVariablesOverride
			if ( $previous instanceof WP_Post ) {
				setup_postdata( $previous );
			}
		}
		return str_replace( ']]>', ']]&gt;', (string) $html );
	}

	/**
	 * The player's position: `before` or `after` the content, or `none`.
	 *
	 * @return string
	 */
	public static function position() {
		$position = (string) get_option( 'articulate_player_position', 'before' );
		return in_array( $position, array( 'before', 'after', 'none' ), true ) ? $position : 'before';
	}

	/**
	 * Add the player to the main post of a single post's page once it has audio.
	 *
	 * @param string $content The content.
	 * @return string
	 */
	public static function player( $content ) {
		if ( self::$rendering || is_admin() || is_feed() || ! is_singular() || doing_filter( 'get_the_excerpt' ) ) {
			return $content;
		}
		$post_id = (int) get_the_ID();
		if ( $post_id <= 0 || get_queried_object_id() !== $post_id || 'none' === self::position() ) {
			return $content;
		}
		$post = get_post( $post_id );
		if ( ! $post || ! Articulate_Post::wanted( $post ) ) {
			return $content;
		}
		$manifest = (string) get_post_meta( $post_id, Articulate_Post::MANIFEST_URL, true );
		$script   = (string) get_post_meta( $post_id, Articulate_Post::PLAYER_URL, true );
		if ( '' === $manifest || '' === $script ) {
			return $content;
		}
		// No version query: the script finds its stylesheet beside itself.
		wp_enqueue_script( self::SCRIPT, $script, array(), null, true ); // phpcs:ignore WordPress.WP.EnqueuedResourceParameters.MissingVersion
		$element = sprintf(
			'<div class="articulate-embed" data-articulate-manifest="%s" data-articulate-id="%s" data-articulate-transcript="closed"></div>',
			esc_url( $manifest ),
			esc_attr( Articulate_Post::article_id( $post_id ) )
		);
		return 'after' === self::position() ? $content . $element : $element . $content;
	}

	/** The Podcasting 2.0 namespace, for the chapters link. */
	public static function feed_namespace() {
		echo 'xmlns:podcast="https://podcastindex.org/namespace/1.0"' . "\n";
	}

	/**
	 * The published audio of a feed item's post, if any: [ url, bytes, chapters url ].
	 *
	 * @return array{0: string, 1: int, 2: string}|null
	 */
	private static function audio() {
		$post = get_post();
		if ( ! $post || ! Articulate_Post::wanted( $post ) ) {
			return null;
		}
		$url = (string) get_post_meta( $post->ID, Articulate_Post::AUDIO_URL, true );
		if ( '' === $url ) {
			return null;
		}
		$manifest = (string) get_post_meta( $post->ID, Articulate_Post::MANIFEST_URL, true );
		$chapters = '' === $manifest ? '' : preg_replace( '#\.json$#', '.chapters.json', $manifest );
		return array( $url, (int) get_post_meta( $post->ID, Articulate_Post::AUDIO_BYTES, true ), (string) $chapters );
	}

	/** An RSS item's enclosure and chapters. */
	public static function feed_item() {
		$audio = self::audio();
		if ( null === $audio ) {
			return;
		}
		printf( "\t\t<enclosure url=\"%s\" length=\"%d\" type=\"audio/mpeg\" />\n", esc_url( $audio[0] ), (int) $audio[1] );
		if ( '' !== $audio[2] ) {
			printf( "\t\t<podcast:chapters url=\"%s\" type=\"application/json+chapters\" />\n", esc_url( $audio[2] ) );
		}
	}

	/** An Atom entry's enclosure link. */
	public static function atom_entry() {
		$audio = self::audio();
		if ( null === $audio ) {
			return;
		}
		printf( "\t\t<link rel=\"enclosure\" href=\"%s\" length=\"%d\" type=\"audio/mpeg\" />\n", esc_url( $audio[0] ), (int) $audio[1] );
	}
}

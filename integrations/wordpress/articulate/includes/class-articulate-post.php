<?php
/**
 * A post as articulate sees it: its article id, what the webhook sends, and the narration's
 * state, audio and chapters kept in post meta.
 *
 * @package Articulate
 */

defined( 'ABSPATH' ) || exit;

/**
 * Post meta and the webhook payload.
 */
final class Articulate_Post {

	/** Meta: '0' when narration is switched off for the post (absent or '1': on). */
	const ENABLED = '_articulate_enabled';
	/** Meta: the post's voice profile; empty for the site's. */
	const VOICE = '_articulate_voice';
	/** Meta: the article id at serve. */
	const ID = '_articulate_id';
	/** Meta: serve's job state (queued, running, done, failed) or `unsent`. */
	const STATE = '_articulate_state';
	/** Meta: why the last narration or webhook failed. */
	const ERROR = '_articulate_error';
	/** Meta: the generation serve gave the latest content. */
	const GENERATION = '_articulate_generation';
	/** Meta: when serve was last asked about the job (unix seconds). */
	const CHECKED = '_articulate_checked';
	/** Meta: the published manifest's URL. */
	const MANIFEST_URL = '_articulate_manifest_url';
	/** Meta: the published MP3's URL. */
	const AUDIO_URL = '_articulate_audio_url';
	/** Meta: the MP3's size in bytes, for the feed's enclosure. */
	const AUDIO_BYTES = '_articulate_audio_bytes';
	/** Meta: the player script's URL (published beside the audio). */
	const PLAYER_URL = '_articulate_player_url';
	/** Meta: the chapters, `[ { title, start_ms, end_ms } ]`. */
	const CHAPTERS = '_articulate_chapters';
	/** Meta: the audio's length in milliseconds. */
	const DURATION_MS = '_articulate_duration_ms';
	/** Meta: the generation the published audio is of. */
	const AUDIO_GENERATION = '_articulate_audio_generation';
	/** Meta: the SHA-256 of the last body serve accepted for the post. */
	const SENT = '_articulate_sent';

	/** Every meta key this plugin writes. */
	const KEYS = array(
		self::ENABLED,
		self::VOICE,
		self::ID,
		self::STATE,
		self::ERROR,
		self::GENERATION,
		self::CHECKED,
		self::MANIFEST_URL,
		self::AUDIO_URL,
		self::AUDIO_BYTES,
		self::PLAYER_URL,
		self::CHAPTERS,
		self::DURATION_MS,
		self::AUDIO_GENERATION,
		self::SENT,
	);

	/** Meta about the job and its audio: what is forgotten when the audio is removed. */
	const JOB_KEYS = array(
		self::ID,
		self::STATE,
		self::ERROR,
		self::GENERATION,
		self::CHECKED,
		self::MANIFEST_URL,
		self::AUDIO_URL,
		self::AUDIO_BYTES,
		self::PLAYER_URL,
		self::CHAPTERS,
		self::DURATION_MS,
		self::AUDIO_GENERATION,
		self::SENT,
	);

	/**
	 * The post types narrated (the `articulate_post_types` option).
	 *
	 * @return string[]
	 */
	public static function post_types() {
		$types = get_option( 'articulate_post_types', array( 'post' ) );
		return is_array( $types ) ? array_values( array_map( 'strval', $types ) ) : array( 'post' );
	}

	/**
	 * Whether the post is to be narrated: a narrated type, published, not switched off.
	 *
	 * @param WP_Post $post The post.
	 * @return bool
	 */
	public static function wanted( $post ) {
		return in_array( $post->post_type, self::post_types(), true )
			&& 'publish' === $post->post_status
			&& '' === $post->post_password
			&& self::enabled( $post->ID );
	}

	/**
	 * Whether narration is switched on for the post.
	 *
	 * @param int $post_id Post id.
	 * @return bool
	 */
	public static function enabled( $post_id ) {
		return '0' !== get_post_meta( $post_id, self::ENABLED, true );
	}

	/**
	 * The article's id at serve: `wp-ID` (`wp-BLOG-ID` on a multisite network), which
	 * serve's ids allow (letters, digits, `.`, `_`, `-`).
	 *
	 * @param int $post_id Post id.
	 * @return string
	 */
	public static function article_id( $post_id ) {
		$id = is_multisite() ? sprintf( 'wp-%d-%d', get_current_blog_id(), $post_id ) : sprintf( 'wp-%d', $post_id );
		/**
		 * Filters the article id sent to articulate serve for a post.
		 *
		 * @param string $id      The id.
		 * @param int    $post_id The post.
		 */
		return (string) apply_filters( 'articulate_article_id', $id, $post_id );
	}

	/**
	 * The post whose article id is `$id`, if any.
	 *
	 * @param string $id Article id.
	 * @return int|null
	 */
	public static function find( $id ) {
		$found = get_posts(
			array(
				'post_type'        => 'any',
				'post_status'      => 'any',
				'meta_key'         => self::ID, // phpcs:ignore WordPress.DB.SlowDBQuery
				'meta_value'       => $id, // phpcs:ignore WordPress.DB.SlowDBQuery
				'numberposts'      => 1,
				'fields'           => 'ids',
				'suppress_filters' => true,
			)
		);
		return empty( $found ) ? null : (int) $found[0];
	}

	/**
	 * The voice profile the post is read in: its own, else the site's; empty for serve's.
	 *
	 * @param int $post_id Post id.
	 * @return string
	 */
	public static function voice( $post_id ) {
		$voice = (string) get_post_meta( $post_id, self::VOICE, true );
		return '' !== $voice ? $voice : (string) get_option( 'articulate_voice', '' );
	}

	/**
	 * The webhook's fields for a post: the article as it is rendered, and its metadata.
	 *
	 * @param WP_Post $post The post.
	 * @return array<string, mixed>
	 */
	public static function payload( $post ) {
		$title  = wp_strip_all_tags( get_the_title( $post ) );
		$author = get_the_author_meta( 'display_name', (int) $post->post_author );
		$html   = '<article><h1>' . esc_html( $title ) . '</h1>' . Articulate_Front::rendered_content( $post ) . '</article>';
		$fields = array(
			'id'         => self::article_id( $post->ID ),
			'html'       => $html,
			'title'      => $title,
			'url'        => get_permalink( $post ),
			'published'  => get_post_time( 'c', true, $post ),
			'updated_at' => get_post_modified_time( 'c', true, $post ),
		);
		if ( '' !== $author ) {
			/* translators: %s: the author's name. */
			$fields['byline'] = sprintf( __( 'By %s', 'articulate' ), $author );
		}
		$voice = self::voice( $post->ID );
		if ( '' !== $voice ) {
			$fields['voice'] = $voice;
		}
		/**
		 * Filters the fields posted to articulate serve for a post.
		 *
		 * @param array   $fields The fields.
		 * @param WP_Post $post   The post.
		 */
		return (array) apply_filters( 'articulate_payload', $fields, $post );
	}

	/**
	 * What the status box says: `none`, `queued`, `playable` (an earlier version plays
	 * while this one is narrated), `done` or `flagged` (it failed, or serve was not reached).
	 *
	 * @param int $post_id Post id.
	 * @return string
	 */
	public static function status( $post_id ) {
		$state = (string) get_post_meta( $post_id, self::STATE, true );
		$audio = '' !== (string) get_post_meta( $post_id, self::MANIFEST_URL, true );
		switch ( $state ) {
			case 'done':
				return 'done';
			case 'queued':
			case 'running':
				return $audio ? 'playable' : 'queued';
			case 'failed':
			case 'unsent':
				return 'flagged';
			default:
				return $audio ? 'done' : 'none';
		}
	}

	/**
	 * Record the webhook's answer, or why it was not delivered.
	 *
	 * @param int                 $post_id  Post id.
	 * @param string              $id       Article id.
	 * @param Articulate_Response $response serve's answer.
	 */
	public static function submitted( $post_id, $id, $response ) {
		update_post_meta( $post_id, self::ID, $id );
		if ( ! $response->ok() || null === $response->json ) {
			update_post_meta( $post_id, self::STATE, 'unsent' );
			update_post_meta( $post_id, self::ERROR, '' !== $response->error ? $response->error : __( 'The articulate service gave no job.', 'articulate' ) );
			return;
		}
		self::apply_job( $post_id, $response->json );
	}

	/**
	 * Take in a job as serve reports it (webhook answer, status or callback): its state,
	 * and, once done, the published audio, its size and the manifest's chapters.
	 *
	 * @param int                  $post_id Post id.
	 * @param array<string, mixed> $job     The job's JSON.
	 */
	public static function apply_job( $post_id, $job ) {
		$generation = isset( $job['generation'] ) ? (int) $job['generation'] : 0;
		$known      = (int) get_post_meta( $post_id, self::GENERATION, true );
		update_post_meta( $post_id, self::CHECKED, time() );
		if ( $generation < $known ) {
			// A late report about older content: its audio may still be news.
			if ( 'done' === ( $job['state'] ?? '' ) && $generation > (int) get_post_meta( $post_id, self::AUDIO_GENERATION, true ) ) {
				self::take_audio( $post_id, $job, $generation );
			}
			return;
		}
		$state = isset( $job['state'] ) ? (string) $job['state'] : '';
		update_post_meta( $post_id, self::GENERATION, $generation );
		update_post_meta( $post_id, self::STATE, $state );
		update_post_meta( $post_id, self::ERROR, isset( $job['error'] ) ? (string) $job['error'] : '' );
		if ( 'done' === $state && (int) get_post_meta( $post_id, self::AUDIO_GENERATION, true ) !== $generation ) {
			self::take_audio( $post_id, $job, $generation );
		}
	}

	/**
	 * Keep a finished job's URLs, the MP3's size and the manifest's chapters.
	 *
	 * @param int                  $post_id    Post id.
	 * @param array<string, mixed> $job        The job's JSON.
	 * @param int                  $generation Its generation.
	 */
	private static function take_audio( $post_id, $job, $generation ) {
		$manifest_url = isset( $job['manifest_url'] ) ? esc_url_raw( (string) $job['manifest_url'] ) : '';
		if ( '' === $manifest_url ) {
			return;
		}
		$audio_url = '';
		foreach ( (array) ( $job['audio_urls'] ?? array() ) as $url ) {
			if ( '' === $audio_url || '.mp3' === substr( (string) $url, -4 ) ) {
				$audio_url = esc_url_raw( (string) $url );
			}
		}
		// The player's script sits beside the player page serve publishes for the article.
		$player_url = '';
		if ( ! empty( $job['player_url'] ) ) {
			$player_url = esc_url_raw( preg_replace( '#/[^/]*$#', '/articulate-player.js', (string) $job['player_url'] ) );
		}
		$chapters = array();
		$duration = 0;
		$manifest = wp_remote_get( $manifest_url, array( 'timeout' => Articulate_Client::TIMEOUT ) );
		if ( ! is_wp_error( $manifest ) && 200 === (int) wp_remote_retrieve_response_code( $manifest ) ) {
			$parsed = json_decode( (string) wp_remote_retrieve_body( $manifest ), true );
			if ( is_array( $parsed ) ) {
				$duration = (int) ( $parsed['duration_ms'] ?? 0 );
				foreach ( (array) ( $parsed['chapters'] ?? array() ) as $chapter ) {
					$chapters[] = array(
						'title'    => sanitize_text_field( (string) ( $chapter['title'] ?? '' ) ),
						'start_ms' => (int) ( $chapter['start_ms'] ?? 0 ),
						'end_ms'   => (int) ( $chapter['end_ms'] ?? 0 ),
					);
				}
			}
		}
		$bytes = 0;
		if ( '' !== $audio_url ) {
			$head = wp_remote_head( $audio_url, array( 'timeout' => Articulate_Client::TIMEOUT ) );
			if ( ! is_wp_error( $head ) ) {
				$bytes = (int) wp_remote_retrieve_header( $head, 'content-length' );
			}
		}
		update_post_meta( $post_id, self::MANIFEST_URL, $manifest_url );
		update_post_meta( $post_id, self::AUDIO_URL, $audio_url );
		update_post_meta( $post_id, self::AUDIO_BYTES, $bytes );
		update_post_meta( $post_id, self::PLAYER_URL, $player_url );
		update_post_meta( $post_id, self::CHAPTERS, $chapters );
		update_post_meta( $post_id, self::DURATION_MS, $duration );
		update_post_meta( $post_id, self::AUDIO_GENERATION, $generation );
	}

	/**
	 * The published audio's chapters: `[ { title, start_ms, end_ms } ]`.
	 *
	 * @param int $post_id Post id.
	 * @return array<int, array<string, mixed>>
	 */
	public static function chapters( $post_id ) {
		$chapters = get_post_meta( $post_id, self::CHAPTERS, true );
		return is_array( $chapters ) ? array_values( $chapters ) : array();
	}

	/**
	 * Forget the job and its audio (the post's switch and voice stay).
	 *
	 * @param int $post_id Post id.
	 */
	public static function forget( $post_id ) {
		foreach ( self::JOB_KEYS as $key ) {
			delete_post_meta( $post_id, $key );
		}
	}
}

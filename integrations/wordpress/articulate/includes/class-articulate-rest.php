<?php
/**
 * REST routes: serve's signed completion callback, and the status box's own calls.
 *
 * - `POST /wp-json/articulate/v1/done`: serve's callback (`[serve] callback_url`), the
 *   job's JSON signed with the shared secret. A missing or wrong signature gets 401 and
 *   changes nothing.
 * - `GET /wp-json/articulate/v1/posts/ID`: the status box, asking serve when a job is
 *   still running (so it works without callbacks too).
 * - `POST /wp-json/articulate/v1/posts/ID/regenerate`: the "Regenerate" button.
 *
 * @package Articulate
 */

defined( 'ABSPATH' ) || exit;

/**
 * The plugin's REST routes.
 */
final class Articulate_Rest {

	/** The routes' namespace. */
	const NAMESPACE = 'articulate/v1';

	/** Seconds between two status questions to serve about one post. */
	const POLL_SECONDS = 2;

	/** Hook up. */
	public static function register() {
		add_action( 'rest_api_init', array( __CLASS__, 'routes' ) );
	}

	/** Register the routes. */
	public static function routes() {
		register_rest_route(
			self::NAMESPACE,
			'/done',
			array(
				'methods'             => 'POST',
				'callback'            => array( __CLASS__, 'done' ),
				'permission_callback' => array( __CLASS__, 'signed' ),
			)
		);
		$post_route = array(
			'id' => array(
				'validate_callback' => static function ( $value ) {
					return is_numeric( $value );
				},
			),
		);
		register_rest_route(
			self::NAMESPACE,
			'/posts/(?P<id>\d+)',
			array(
				'methods'             => 'GET',
				'callback'            => array( __CLASS__, 'status' ),
				'permission_callback' => array( __CLASS__, 'can_edit' ),
				'args'                => $post_route,
			)
		);
		register_rest_route(
			self::NAMESPACE,
			'/posts/(?P<id>\d+)/regenerate',
			array(
				'methods'             => 'POST',
				'callback'            => array( __CLASS__, 'regenerate' ),
				'permission_callback' => array( __CLASS__, 'can_edit' ),
				'args'                => $post_route,
			)
		);
	}

	/**
	 * Only serve, signing with the shared secret, may report a job.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return true|WP_Error
	 */
	public static function signed( $request ) {
		$secret = (string) get_option( 'articulate_secret', '' );
		if ( '' === $secret ) {
			return new WP_Error( 'articulate_no_secret', __( 'No signing secret is set, so no callback can be trusted.', 'articulate' ), array( 'status' => 403 ) );
		}
		$headers = array();
		foreach ( $request->get_headers() as $name => $values ) {
			$headers[ str_replace( '_', '-', strtolower( $name ) ) ] = is_array( $values ) ? implode( ',', $values ) : (string) $values;
		}
		if ( ! Articulate_Signature::verify( $request->get_body(), $headers, $secret ) ) {
			return new WP_Error( 'articulate_bad_signature', __( 'Missing or invalid signature.', 'articulate' ), array( 'status' => 401 ) );
		}
		return true;
	}

	/**
	 * serve's callback: take in the finished job.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function done( $request ) {
		$job = json_decode( $request->get_body(), true );
		if ( ! is_array( $job ) || empty( $job['id'] ) || ! is_string( $job['id'] ) ) {
			return new WP_Error( 'articulate_bad_job', __( 'The body is not a job.', 'articulate' ), array( 'status' => 400 ) );
		}
		$post_id = Articulate_Post::find( $job['id'] );
		if ( null === $post_id ) {
			// Trashed or switched off since: nothing to keep, and nothing to retry.
			return new WP_REST_Response( array( 'status' => 'ignored' ), 200 );
		}
		Articulate_Post::apply_job( $post_id, $job );
		return new WP_REST_Response(
			array(
				'status' => 'recorded',
				'post'   => $post_id,
			),
			200
		);
	}

	/**
	 * The status box may be read and driven by whoever may edit the post.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return bool
	 */
	public static function can_edit( $request ) {
		return current_user_can( 'edit_post', (int) $request['id'] );
	}

	/**
	 * The post's status, asking serve first when the job is still being narrated.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function status( $request ) {
		$post = get_post( (int) $request['id'] );
		if ( ! $post ) {
			return new WP_Error( 'articulate_no_post', __( 'No such post.', 'articulate' ), array( 'status' => 404 ) );
		}
		self::refresh( $post->ID );
		return new WP_REST_Response( self::report( $post ), 200 );
	}

	/**
	 * Narrate the post again.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function regenerate( $request ) {
		$post = get_post( (int) $request['id'] );
		if ( ! $post ) {
			return new WP_Error( 'articulate_no_post', __( 'No such post.', 'articulate' ), array( 'status' => 404 ) );
		}
		if ( ! Articulate_Post::wanted( $post ) ) {
			return new WP_Error( 'articulate_not_narrated', __( 'Only a published post with narration switched on can be narrated.', 'articulate' ), array( 'status' => 409 ) );
		}
		Articulate_Sync::regenerate( $post );
		return new WP_REST_Response( self::report( $post ), 200 );
	}

	/**
	 * Ask serve about a job still being narrated (at most every few seconds).
	 *
	 * @param int $post_id Post id.
	 */
	public static function refresh( $post_id ) {
		$id      = (string) get_post_meta( $post_id, Articulate_Post::ID, true );
		$state   = (string) get_post_meta( $post_id, Articulate_Post::STATE, true );
		$checked = (int) get_post_meta( $post_id, Articulate_Post::CHECKED, true );
		if ( '' === $id || ! in_array( $state, array( 'queued', 'running' ), true ) || time() - $checked < self::POLL_SECONDS ) {
			return;
		}
		$response = Articulate_Client::from_options()->job( $id );
		if ( $response->ok() && null !== $response->json ) {
			Articulate_Post::apply_job( $post_id, $response->json );
		} else {
			update_post_meta( $post_id, Articulate_Post::CHECKED, time() );
		}
	}

	/**
	 * The status box's data and its HTML.
	 *
	 * @param WP_Post $post The post.
	 * @return array<string, mixed>
	 */
	private static function report( $post ) {
		return array(
			'status' => Articulate_Post::status( $post->ID ),
			'state'  => (string) get_post_meta( $post->ID, Articulate_Post::STATE, true ),
			'audio'  => (string) get_post_meta( $post->ID, Articulate_Post::AUDIO_URL, true ),
			// Which content the published audio is of (serve counts each change).
			'audio_generation' => (int) get_post_meta( $post->ID, Articulate_Post::AUDIO_GENERATION, true ),
			'chapters' => Articulate_Post::chapters( $post->ID ),
			'html'   => Articulate_Editor::status_html( $post ),
		);
	}
}

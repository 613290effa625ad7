<?php
/**
 * Keeping serve in step with the site: a webhook when a post is published or updated, a
 * deletion when it is trashed, unpublished, deleted or switched off.
 *
 * @package Articulate
 */

defined( 'ABSPATH' ) || exit;

/**
 * The publish, update and trash hooks.
 */
final class Articulate_Sync {

	/** Hook everything up. */
	public static function register() {
		// After the post, its terms and its meta are saved: the webhook sees the final state.
		add_action( 'wp_after_insert_post', array( __CLASS__, 'saved' ), 20, 2 );
		add_action( 'transition_post_status', array( __CLASS__, 'transitioned' ), 10, 3 );
		add_action( 'before_delete_post', array( __CLASS__, 'deleting' ), 10, 1 );
	}

	/**
	 * A post was saved: narrate it if it is wanted, else make sure serve has nothing of it.
	 *
	 * @param int     $post_id Post id.
	 * @param WP_Post $post    The post.
	 */
	public static function saved( $post_id, $post ) {
		if ( wp_is_post_revision( $post_id ) || wp_is_post_autosave( $post_id ) || ! $post instanceof WP_Post ) {
			return;
		}
		if ( ! in_array( $post->post_type, Articulate_Post::post_types(), true ) ) {
			return;
		}
		if ( Articulate_Post::wanted( $post ) ) {
			self::send( $post );
		} elseif ( 'publish' === $post->post_status ) {
			// Published, but switched off (or password protected): no audio for it.
			self::remove( $post_id );
		}
	}

	/**
	 * Leaving `publish` (trash, draft, private, pending) takes the audio down.
	 *
	 * @param string  $new_status New status.
	 * @param string  $old_status Old status.
	 * @param WP_Post $post       The post.
	 */
	public static function transitioned( $new_status, $old_status, $post ) {
		if ( 'publish' === $old_status && 'publish' !== $new_status ) {
			self::remove( $post->ID );
		}
	}

	/**
	 * A post deleted for good takes its audio with it.
	 *
	 * @param int $post_id Post id.
	 */
	public static function deleting( $post_id ) {
		self::remove( $post_id );
	}

	/**
	 * Post the article to serve and record what it said; null when serve already has
	 * exactly this.
	 *
	 * One save in the block editor is two requests to WordPress (the post, then the meta
	 * boxes), each saving the post: the same body twice within the same second would carry
	 * the same signature, which serve refuses as a replay. serve would have answered
	 * "unchanged" anyway, so a body it has accepted is not sent again.
	 *
	 * @param WP_Post $post The post.
	 * @return Articulate_Response|null
	 */
	public static function send( $post ) {
		$client  = Articulate_Client::from_options();
		$id      = Articulate_Post::article_id( $post->ID );
		$payload = Articulate_Post::payload( $post );
		$sent    = hash( 'sha256', (string) wp_json_encode( $payload ) );
		$state   = (string) get_post_meta( $post->ID, Articulate_Post::STATE, true );
		$known   = (string) get_post_meta( $post->ID, Articulate_Post::ID, true ) === $id
			&& (string) get_post_meta( $post->ID, Articulate_Post::SENT, true ) === $sent;
		if ( $known && in_array( $state, array( 'queued', 'running', 'done' ), true ) ) {
			return null;
		}
		if ( ! $client->configured() ) {
			$response = new Articulate_Response( 0, null, __( 'The articulate service URL and token are not set (Settings → Articulate).', 'articulate' ) );
		} else {
			$response = $client->submit( $payload );
		}
		Articulate_Post::submitted( $post->ID, $id, $response );
		if ( $response->ok() ) {
			update_post_meta( $post->ID, Articulate_Post::SENT, $sent );
		}
		return $response;
	}

	/**
	 * Narrate the post again from scratch: a failed job is simply posted again; otherwise
	 * the old audio is removed first, since serve answers an unchanged article with the
	 * job it has.
	 *
	 * @param WP_Post $post The post.
	 * @return Articulate_Response|null
	 */
	public static function regenerate( $post ) {
		if ( 'failed' !== get_post_meta( $post->ID, Articulate_Post::STATE, true ) ) {
			self::remove( $post->ID );
		}
		return self::send( $post );
	}

	/**
	 * Ask serve to remove the post's audio, and forget it here.
	 *
	 * @param int $post_id Post id.
	 */
	public static function remove( $post_id ) {
		$id = (string) get_post_meta( $post_id, Articulate_Post::ID, true );
		if ( '' === $id ) {
			return;
		}
		$response = Articulate_Client::from_options()->delete( $id );
		if ( ! $response->ok() && 404 !== $response->status ) {
			// The audio may still be out there: keep the id, so a later removal can find it.
			update_post_meta( $post_id, Articulate_Post::STATE, 'unsent' );
			update_post_meta( $post_id, Articulate_Post::ERROR, $response->error );
			return;
		}
		Articulate_Post::forget( $post_id );
	}
}

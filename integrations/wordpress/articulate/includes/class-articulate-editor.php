<?php
/**
 * The editor's "Listen to this article" box: the per-post switch, the voice, and the status
 * (queued, playable, done or flagged) with a "Regenerate" button. It works in the block
 * editor and the classic one.
 *
 * @package Articulate
 */

defined( 'ABSPATH' ) || exit;

/**
 * The meta box.
 */
final class Articulate_Editor {

	/** The nonce's action and field. */
	const NONCE = 'articulate_post_settings';

	/** Hook up. */
	public static function register() {
		add_action( 'add_meta_boxes', array( __CLASS__, 'add_box' ), 10, 2 );
		// Before wp_after_insert_post, which sends the post with these settings.
		add_action( 'save_post', array( __CLASS__, 'save' ), 10, 2 );
		add_action( 'admin_enqueue_scripts', array( __CLASS__, 'assets' ) );
	}

	/**
	 * Add the box to the narrated post types.
	 *
	 * @param string $post_type The type.
	 */
	public static function add_box( $post_type ) {
		if ( in_array( $post_type, Articulate_Post::post_types(), true ) ) {
			add_meta_box( 'articulate', __( 'Listen to this article', 'articulate' ), array( __CLASS__, 'box' ), $post_type, 'side', 'default' );
		}
	}

	/**
	 * The box.
	 *
	 * @param WP_Post $post The post.
	 */
	public static function box( $post ) {
		wp_nonce_field( self::NONCE, self::NONCE );
		$voice = (string) get_post_meta( $post->ID, Articulate_Post::VOICE, true );
		printf(
			'<p><label><input type="checkbox" id="articulate_enabled" name="articulate_enabled" value="1"%s /> %s</label></p>',
			checked( Articulate_Post::enabled( $post->ID ), true, false ),
			esc_html__( 'Narrate this post', 'articulate' )
		);
		echo '<p><label for="articulate_post_voice">' . esc_html__( 'Voice', 'articulate' ) . '</label><br />';
		echo '<select id="articulate_post_voice" name="articulate_post_voice" style="max-width:100%">';
		Articulate_Settings::voice_options( $voice, __( 'The site\'s default', 'articulate' ) );
		echo '</select></p>';
		printf(
			'<div id="articulate-status" data-status="%s" data-post="%d" aria-live="polite">%s</div>',
			esc_attr( Articulate_Post::status( $post->ID ) ),
			(int) $post->ID,
			self::status_html( $post ) // phpcs:ignore WordPress.Security.EscapeOutput -- escaped where it is built.
		);
	}

	/**
	 * The status: what it is, why it is flagged, the audio once there is some, and the
	 * "Regenerate" button.
	 *
	 * @param WP_Post $post The post.
	 * @return string HTML.
	 */
	public static function status_html( $post ) {
		$status = Articulate_Post::status( $post->ID );
		$labels = array(
			'none'     => __( 'Not narrated yet: it is narrated when published.', 'articulate' ),
			'queued'   => __( 'Queued: the narration is being made.', 'articulate' ),
			'playable' => __( 'Playable: the earlier version plays while this one is narrated.', 'articulate' ),
			'done'     => __( 'Done: the narration is published.', 'articulate' ),
			'flagged'  => __( 'Flagged: the narration needs attention.', 'articulate' ),
		);
		$html  = '<p class="articulate-status-label"><strong>' . esc_html( $labels[ $status ] ) . '</strong></p>';
		$error = (string) get_post_meta( $post->ID, Articulate_Post::ERROR, true );
		if ( 'flagged' === $status && '' !== $error ) {
			$html .= '<p class="articulate-status-error">' . esc_html( $error ) . '</p>';
		}
		$audio = (string) get_post_meta( $post->ID, Articulate_Post::AUDIO_URL, true );
		if ( '' !== $audio ) {
			$ms       = (int) get_post_meta( $post->ID, Articulate_Post::DURATION_MS, true );
			$chapters = Articulate_Post::chapters( $post->ID );
			$length   = sprintf( '%d:%02d', intdiv( $ms, 60000 ), intdiv( $ms, 1000 ) % 60 );
			/* translators: 1: length as m:ss, 2: number of chapters. */
			$about = sprintf( _n( '%1$s, %2$d chapter', '%1$s, %2$d chapters', count( $chapters ), 'articulate' ), $length, count( $chapters ) );
			$html .= '<p><a class="articulate-audio" href="' . esc_url( $audio ) . '">' . esc_html__( 'Audio', 'articulate' ) . '</a> (' . esc_html( $about ) . ')</p>';
		}
		if ( Articulate_Post::wanted( $post ) && current_user_can( 'edit_post', $post->ID ) ) {
			$html .= '<p><button type="button" class="button articulate-regenerate">' . esc_html__( 'Regenerate', 'articulate' ) . '</button></p>';
		}
		return $html;
	}

	/**
	 * Keep the box's switch and voice (only when the box itself was submitted).
	 *
	 * @param int     $post_id Post id.
	 * @param WP_Post $post    The post.
	 */
	public static function save( $post_id, $post ) {
		if ( ! isset( $_POST[ self::NONCE ] ) || ! wp_verify_nonce( sanitize_text_field( wp_unslash( $_POST[ self::NONCE ] ) ), self::NONCE ) ) {
			return;
		}
		if ( wp_is_post_revision( $post_id ) || wp_is_post_autosave( $post_id ) || ! current_user_can( 'edit_post', $post_id ) ) {
			return;
		}
		update_post_meta( $post_id, Articulate_Post::ENABLED, isset( $_POST['articulate_enabled'] ) ? '1' : '0' );
		$voice = isset( $_POST['articulate_post_voice'] ) ? Articulate_Settings::sanitize_voice( wp_unslash( $_POST['articulate_post_voice'] ) ) : ''; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- sanitize_voice allows a profile name only.
		if ( '' === $voice ) {
			delete_post_meta( $post_id, Articulate_Post::VOICE );
		} else {
			update_post_meta( $post_id, Articulate_Post::VOICE, $voice );
		}
	}

	/**
	 * The box's script, on the screens that edit a narrated post type.
	 *
	 * @param string $hook The admin page.
	 */
	public static function assets( $hook ) {
		if ( 'post.php' !== $hook && 'post-new.php' !== $hook ) {
			return;
		}
		$screen = get_current_screen();
		if ( ! $screen || ! in_array( $screen->post_type, Articulate_Post::post_types(), true ) ) {
			return;
		}
		wp_enqueue_script( 'articulate-editor', plugins_url( 'assets/articulate-editor.js', ARTICULATE_FILE ), array( 'wp-api-fetch' ), ARTICULATE_VERSION, true );
	}
}

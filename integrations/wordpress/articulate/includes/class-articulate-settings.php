<?php
/**
 * Settings → Articulate: where serve is, its token and the shared secret, the default voice,
 * which post types are narrated and where the player goes.
 *
 * Each setting is a WordPress option of the same name as its form control, so a site can be
 * configured without this page (`wp option update articulate_service_url …`).
 *
 * @package Articulate
 */

defined( 'ABSPATH' ) || exit;

/**
 * The settings page.
 */
final class Articulate_Settings {

	/** The page's slug and settings group. */
	const PAGE = 'articulate';

	/** The shortest API token serve accepts (its `MIN_TOKEN_CHARS`). */
	const MIN_TOKEN_CHARS = 20;

	/** Hook up. */
	public static function register() {
		add_action( 'admin_init', array( __CLASS__, 'settings' ) );
		add_action( 'admin_menu', array( __CLASS__, 'menu' ) );
		add_filter( 'plugin_action_links_' . plugin_basename( ARTICULATE_FILE ), array( __CLASS__, 'action_links' ) );
	}

	/** Register the options and their fields. */
	public static function settings() {
		$text = array(
			'type'              => 'string',
			'sanitize_callback' => 'sanitize_text_field',
			'default'           => '',
		);
		register_setting(
			self::PAGE,
			'articulate_service_url',
			array(
				'type'              => 'string',
				'sanitize_callback' => array( __CLASS__, 'sanitize_url' ),
				'default'           => '',
			)
		);
		register_setting( self::PAGE, 'articulate_token', array_merge( $text, array( 'sanitize_callback' => array( __CLASS__, 'sanitize_token' ) ) ) );
		register_setting( self::PAGE, 'articulate_secret', array_merge( $text, array( 'sanitize_callback' => array( __CLASS__, 'sanitize_secret' ) ) ) );
		register_setting( self::PAGE, 'articulate_voice', array_merge( $text, array( 'sanitize_callback' => array( __CLASS__, 'sanitize_voice' ) ) ) );
		register_setting(
			self::PAGE,
			'articulate_post_types',
			array(
				'type'              => 'array',
				'sanitize_callback' => array( __CLASS__, 'sanitize_post_types' ),
				'default'           => array( 'post' ),
			)
		);
		register_setting(
			self::PAGE,
			'articulate_player_position',
			array(
				'type'              => 'string',
				'sanitize_callback' => array( __CLASS__, 'sanitize_position' ),
				'default'           => 'before',
			)
		);

		add_settings_section( 'articulate_service', __( 'The articulate service', 'articulate' ), array( __CLASS__, 'service_intro' ), self::PAGE );
		add_settings_section( 'articulate_site', __( 'On this site', 'articulate' ), '__return_false', self::PAGE );
		$fields = array(
			'articulate_service_url'     => array( __( 'Service URL', 'articulate' ), 'articulate_service', 'field_url' ),
			'articulate_token'           => array( __( 'API token', 'articulate' ), 'articulate_service', 'field_token' ),
			'articulate_secret'          => array( __( 'Signing secret', 'articulate' ), 'articulate_service', 'field_secret' ),
			'articulate_voice'           => array( __( 'Default voice', 'articulate' ), 'articulate_site', 'field_voice' ),
			'articulate_post_types'      => array( __( 'Narrate', 'articulate' ), 'articulate_site', 'field_post_types' ),
			'articulate_player_position' => array( __( 'Player', 'articulate' ), 'articulate_site', 'field_position' ),
		);
		foreach ( $fields as $name => $field ) {
			add_settings_field( $name, $field[0], array( __CLASS__, $field[2] ), self::PAGE, $field[1], array( 'label_for' => $name ) );
		}
	}

	/** Settings → Articulate. */
	public static function menu() {
		add_options_page( __( 'Articulate', 'articulate' ), __( 'Articulate', 'articulate' ), 'manage_options', self::PAGE, array( __CLASS__, 'page' ) );
	}

	/**
	 * A "Settings" link on the Plugins screen.
	 *
	 * @param string[] $links The row's links.
	 * @return string[]
	 */
	public static function action_links( $links ) {
		$url = admin_url( 'options-general.php?page=' . self::PAGE );
		array_unshift( $links, '<a href="' . esc_url( $url ) . '">' . esc_html__( 'Settings', 'articulate' ) . '</a>' );
		return $links;
	}

	/** The page. */
	public static function page() {
		if ( ! current_user_can( 'manage_options' ) ) {
			return;
		}
		echo '<div class="wrap"><h1>' . esc_html__( 'Articulate', 'articulate' ) . '</h1>';
		self::connection();
		echo '<form action="options.php" method="post">';
		settings_fields( self::PAGE );
		do_settings_sections( self::PAGE );
		submit_button();
		echo '</form></div>';
	}

	/** Whether serve answers with these settings, said at the top of the page. */
	private static function connection() {
		$client = Articulate_Client::from_options();
		if ( ! $client->configured() ) {
			echo '<div class="notice notice-info inline"><p>' . esc_html__( 'Set the service URL and an API token to start narrating posts.', 'articulate' ) . '</p></div>';
			return;
		}
		$voices = $client->voices();
		if ( $voices->ok() ) {
			$count = isset( $voices->json['voices'] ) && is_array( $voices->json['voices'] ) ? count( $voices->json['voices'] ) : 0;
			/* translators: %d: number of voice profiles. */
			$said = sprintf( _n( 'Connected: the service offers %d voice.', 'Connected: the service offers %d voices.', $count, 'articulate' ), $count );
			echo '<div class="notice notice-success inline" id="articulate-connection" data-connected="1"><p>' . esc_html( $said ) . '</p></div>';
		} else {
			echo '<div class="notice notice-error inline" id="articulate-connection" data-connected="0"><p>' . esc_html( $voices->error ) . '</p></div>';
		}
	}

	/** The section's introduction. */
	public static function service_intro() {
		echo '<p>' . esc_html__( 'Posts are sent to articulate serve when they are published or updated, and removed when they are unpublished or trashed. Set serve\'s [serve] callback_url to the address below, and ARTICULATE_CALLBACK_SECRET and ARTICULATE_WEBHOOK_SECRET on the server to the signing secret.', 'articulate' ) . '</p>';
		echo '<p><code>' . esc_html( rest_url( Articulate_Rest::NAMESPACE . '/done' ) ) . '</code></p>';
	}

	/** The service URL field. */
	public static function field_url() {
		printf(
			'<input type="url" class="regular-text code" id="articulate_service_url" name="articulate_service_url" value="%s" placeholder="http://127.0.0.1:8750/" /><p class="description">%s</p>',
			esc_attr( (string) get_option( 'articulate_service_url', '' ) ),
			esc_html__( 'Where articulate serve answers, any host and port.', 'articulate' )
		);
	}

	/** The token field. */
	public static function field_token() {
		printf(
			'<input type="password" class="regular-text code" id="articulate_token" name="articulate_token" value="%s" autocomplete="off" /><p class="description">%s</p>',
			esc_attr( (string) get_option( 'articulate_token', '' ) ),
			esc_html__( 'One of the tokens in ARTICULATE_API_TOKENS on the server (20 characters or more).', 'articulate' )
		);
	}

	/** The secret field. */
	public static function field_secret() {
		printf(
			'<input type="password" class="regular-text code" id="articulate_secret" name="articulate_secret" value="%s" autocomplete="off" /><p class="description">%s</p>',
			esc_attr( (string) get_option( 'articulate_secret', '' ) ),
			esc_html__( 'Signs what this site sends and checks what serve calls back with.', 'articulate' )
		);
	}

	/** The default voice: a list when serve can say which voices exist, else a name. */
	public static function field_voice() {
		$current = (string) get_option( 'articulate_voice', '' );
		$voices  = self::voices();
		if ( empty( $voices ) ) {
			printf(
				'<input type="text" class="regular-text" id="articulate_voice" name="articulate_voice" value="%s" /><p class="description">%s</p>',
				esc_attr( $current ),
				esc_html__( 'A voice profile name on the server; empty for the server\'s default.', 'articulate' )
			);
			return;
		}
		echo '<select id="articulate_voice" name="articulate_voice">';
		self::voice_options( $current, __( 'The service\'s default', 'articulate' ) );
		echo '</select>';
	}

	/**
	 * `<option>`s for every voice serve offers, `$current` selected (kept even when serve no
	 * longer lists it).
	 *
	 * @param string $current The chosen voice.
	 * @param string $empty   The label for no choice.
	 */
	public static function voice_options( $current, $empty ) {
		$voices = self::voices();
		printf( '<option value="">%s</option>', esc_html( $empty ) );
		if ( '' !== $current && ! isset( $voices[ $current ] ) ) {
			$voices[ $current ] = $current;
		}
		foreach ( $voices as $name => $label ) {
			printf( '<option value="%s"%s>%s</option>', esc_attr( $name ), selected( $current, $name, false ), esc_html( $label ) );
		}
	}

	/**
	 * Voice profiles serve offers, name => label (remembered for five minutes).
	 *
	 * @return array<string, string>
	 */
	public static function voices() {
		$cached = get_transient( 'articulate_voices' );
		if ( is_array( $cached ) ) {
			return $cached;
		}
		$voices   = array();
		$response = Articulate_Client::from_options()->voices();
		if ( $response->ok() && isset( $response->json['voices'] ) && is_array( $response->json['voices'] ) ) {
			foreach ( $response->json['voices'] as $voice ) {
				if ( is_array( $voice ) && ! empty( $voice['name'] ) ) {
					$name            = (string) $voice['name'];
					$description     = isset( $voice['description'] ) ? (string) $voice['description'] : '';
					$voices[ $name ] = '' === $description ? $name : $name . ' — ' . $description;
				}
			}
			set_transient( 'articulate_voices', $voices, 5 * MINUTE_IN_SECONDS );
		}
		return $voices;
	}

	/** The post types field. */
	public static function field_post_types() {
		$chosen = Articulate_Post::post_types();
		echo '<fieldset id="articulate_post_types">';
		foreach ( get_post_types( array( 'public' => true ), 'objects' ) as $type ) {
			if ( 'attachment' === $type->name ) {
				continue;
			}
			printf(
				'<label><input type="checkbox" name="articulate_post_types[]" value="%s"%s /> %s</label><br />',
				esc_attr( $type->name ),
				checked( in_array( $type->name, $chosen, true ), true, false ),
				esc_html( $type->labels->name )
			);
		}
		echo '</fieldset>';
	}

	/** The player position field. */
	public static function field_position() {
		$current = Articulate_Front::position();
		$choices = array(
			'before' => __( 'Before the post', 'articulate' ),
			'after'  => __( 'After the post', 'articulate' ),
			'none'   => __( 'Not shown (the theme places it)', 'articulate' ),
		);
		echo '<select id="articulate_player_position" name="articulate_player_position">';
		foreach ( $choices as $value => $label ) {
			printf( '<option value="%s"%s>%s</option>', esc_attr( $value ), selected( $current, $value, false ), esc_html( $label ) );
		}
		echo '</select>';
	}

	/**
	 * An http(s) URL, or nothing.
	 *
	 * @param mixed $value The input.
	 * @return string
	 */
	public static function sanitize_url( $value ) {
		$url = esc_url_raw( trim( (string) $value ), array( 'http', 'https' ) );
		delete_transient( 'articulate_voices' );
		return $url;
	}

	/**
	 * An API token: one of serve's, so at least MIN_TOKEN_CHARS characters. A shorter one
	 * (half a paste, say) is refused with a notice and the previous token kept.
	 *
	 * @param mixed $value The input.
	 * @return string
	 */
	public static function sanitize_token( $value ) {
		$token  = self::credential( $value );
		$length = function_exists( 'mb_strlen' ) ? mb_strlen( $token, 'UTF-8' ) : strlen( $token );
		if ( '' !== $token && $length < self::MIN_TOKEN_CHARS ) {
			add_settings_error(
				'articulate_token',
				'articulate_short_token',
				sprintf(
					/* translators: 1: the token's length, 2: the shortest serve accepts. */
					__( 'The API token has %1$d characters, and articulate serve accepts none shorter than %2$d: paste a whole token from ARTICULATE_API_TOKENS. The previous token is kept.', 'articulate' ),
					$length,
					self::MIN_TOKEN_CHARS
				)
			);
			return (string) get_option( 'articulate_token', '' );
		}
		return $token;
	}

	/**
	 * The signing secret, byte for byte but for surrounding blanks.
	 *
	 * @param mixed $value The input.
	 * @return string
	 */
	public static function sanitize_secret( $value ) {
		return self::credential( $value );
	}

	/**
	 * A token or secret as typed, less surrounding blanks and control characters. Not
	 * sanitize_text_field(), which drops `%41`-like runs and anything like a tag: a
	 * secret changed on the way in would sign nothing serve accepts.
	 *
	 * @param mixed $value The input.
	 * @return string
	 */
	private static function credential( $value ) {
		return (string) preg_replace( '/[\x00-\x1f\x7f]/', '', trim( (string) $value ) );
	}

	/**
	 * A profile name as serve accepts it (letters, digits, `.`, `_`, `-`), or nothing.
	 *
	 * @param mixed $value The input.
	 * @return string
	 */
	public static function sanitize_voice( $value ) {
		$voice = trim( (string) $value );
		return preg_match( '/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/', $voice ) ? $voice : '';
	}

	/**
	 * Existing post type names.
	 *
	 * @param mixed $value The input.
	 * @return string[]
	 */
	public static function sanitize_post_types( $value ) {
		$types = array();
		foreach ( (array) $value as $type ) {
			$type = sanitize_key( (string) $type );
			if ( post_type_exists( $type ) ) {
				$types[] = $type;
			}
		}
		return array_values( array_unique( $types ) );
	}

	/**
	 * `before`, `after` or `none`.
	 *
	 * @param mixed $value The input.
	 * @return string
	 */
	public static function sanitize_position( $value ) {
		$value = (string) $value;
		return in_array( $value, array( 'before', 'after', 'none' ), true ) ? $value : 'before';
	}
}

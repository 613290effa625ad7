<?php
/**
 * The HTTP client for `articulate serve`'s API.
 *
 * It uses wp_remote_request(), not the wp_safe_remote_* family, on purpose: serve usually
 * runs beside WordPress on loopback on an unusual port, which the "safe" functions refuse.
 * The URL comes from an administrator, never from a visitor.
 *
 * @package Articulate
 */

defined( 'ABSPATH' ) || exit;

/**
 * One answer from serve: the HTTP status and the decoded JSON, or why there is none.
 */
final class Articulate_Response {

	/** @var int HTTP status; 0 when the service was not reached. */
	public $status;

	/** @var array<string, mixed>|null The JSON body. */
	public $json;

	/** @var string What went wrong, for people; empty on success. */
	public $error;

	/**
	 * @param int                       $status Status.
	 * @param array<string, mixed>|null $json   Body.
	 * @param string                    $error  Error.
	 */
	public function __construct( $status, $json, $error ) {
		$this->status = $status;
		$this->json   = $json;
		$this->error  = $error;
	}

	/** Whether serve answered 2xx. */
	public function ok() {
		return $this->status >= 200 && $this->status < 300;
	}
}

/**
 * Calls serve with the configured URL, token and secret.
 */
final class Articulate_Client {

	/** Seconds to wait for serve: it answers at once, narration is queued. */
	const TIMEOUT = 10;

	/** @var string Base URL, ending in `/`. */
	private $base;

	/** @var string Bearer token. */
	private $token;

	/** @var string Shared secret. */
	private $secret;

	/**
	 * @param string $base   serve's base URL.
	 * @param string $token  An API token.
	 * @param string $secret The shared secret.
	 */
	public function __construct( $base, $token, $secret ) {
		$this->base   = '' === $base ? '' : trailingslashit( $base );
		$this->token  = $token;
		$this->secret = $secret;
	}

	/** The client for the site's settings. */
	public static function from_options() {
		return new self(
			(string) get_option( 'articulate_service_url', '' ),
			(string) get_option( 'articulate_token', '' ),
			(string) get_option( 'articulate_secret', '' )
		);
	}

	/** Whether a URL and a token are set. */
	public function configured() {
		return '' !== $this->base && '' !== $this->token;
	}

	/**
	 * Queue an article (or learn that it is unchanged).
	 *
	 * @param array<string, mixed> $article The webhook's fields.
	 * @return Articulate_Response
	 */
	public function submit( $article ) {
		return $this->request( 'POST', 'v1/articles', wp_json_encode( $article ) );
	}

	/**
	 * The job for article `$id`.
	 *
	 * @param string $id Article id.
	 * @return Articulate_Response
	 */
	public function job( $id ) {
		return $this->request( 'GET', 'v1/articles/' . rawurlencode( $id ), null );
	}

	/**
	 * Remove article `$id`'s audio and job.
	 *
	 * @param string $id Article id.
	 * @return Articulate_Response
	 */
	public function delete( $id ) {
		return $this->request( 'DELETE', 'v1/articles/' . rawurlencode( $id ), '' );
	}

	/**
	 * The voice profiles serve offers.
	 *
	 * @return Articulate_Response
	 */
	public function voices() {
		return $this->request( 'GET', 'v1/voices', null );
	}

	/**
	 * One request. Mutating requests (a body, even empty) are signed, at the moment they
	 * are sent.
	 *
	 * The signed path is `/` and `$path`, whatever path the base URL has: serve's routes
	 * are at its root, so a proxy that puts serve under a prefix strips it before serve
	 * reads the request line, and that line is what serve checks the signature against.
	 *
	 * @param string      $method HTTP method.
	 * @param string      $path   Path under the base URL.
	 * @param string|null $body   The body; null for none (GET).
	 * @return Articulate_Response
	 */
	private function request( $method, $path, $body ) {
		if ( ! $this->configured() ) {
			return new Articulate_Response( 0, null, __( 'The articulate service URL and token are not set (Settings → Articulate).', 'articulate' ) );
		}
		$headers = array(
			'Authorization' => 'Bearer ' . $this->token,
			'Accept'        => 'application/json',
		);
		$args    = array(
			'method'      => $method,
			'timeout'     => self::TIMEOUT,
			'redirection' => 0,
			'headers'     => $headers,
		);
		if ( null !== $body ) {
			$signed          = Articulate_Signature::request_headers( $method, '/' . $path, $body, $this->secret );
			$args['headers'] = array_merge( $headers, array( 'Content-Type' => 'application/json' ), $signed );
			$args['body']    = $body;
		}
		$answer = wp_remote_request( $this->base . $path, $args );
		if ( is_wp_error( $answer ) ) {
			/* translators: %s: the HTTP client's error message. */
			return new Articulate_Response( 0, null, sprintf( __( 'The articulate service cannot be reached: %s', 'articulate' ), $answer->get_error_message() ) );
		}
		$status = (int) wp_remote_retrieve_response_code( $answer );
		$json   = json_decode( (string) wp_remote_retrieve_body( $answer ), true );
		$json   = is_array( $json ) ? $json : null;
		$error  = '';
		if ( $status < 200 || $status >= 300 ) {
			$said  = ( null !== $json && isset( $json['error'] ) ) ? (string) $json['error'] : wp_remote_retrieve_response_message( $answer );
			/* translators: 1: HTTP status, 2: the service's message. */
			$error = sprintf( __( 'The articulate service answered %1$d: %2$s', 'articulate' ), $status, $said );
		}
		return new Articulate_Response( $status, $json, $error );
	}
}

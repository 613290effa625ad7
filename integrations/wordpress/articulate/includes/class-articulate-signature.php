<?php
/**
 * How requests to serve are signed and serve's callbacks checked: the one place that knows
 * the scheme (serve's `src/serve/callback.rs`).
 *
 * - A request to serve that changes something (POST, DELETE) carries
 *   `X-Articulate-Timestamp: UNIX_SECONDS` and `X-Articulate-Signature: sha256=HEX`, the
 *   HMAC-SHA256 under the shared secret of `TIMESTAMP\nMETHOD\nPATH\n` followed by the
 *   body's exact bytes. serve refuses a timestamp outside its window and a signature it has
 *   seen before, so each request is signed afresh when it is sent.
 * - serve's completion callback carries `X-Articulate-Signature: sha256=HEX`, the
 *   HMAC-SHA256 of the body's exact bytes alone.
 *
 * @package Articulate
 */

defined( 'ABSPATH' ) || exit;

/**
 * Signing and verifying with the shared secret (the `articulate_secret` option).
 */
final class Articulate_Signature {

	/** The header serve reads and sends. */
	const HEADER = 'X-Articulate-Signature';

	/** The header with the Unix time a request was signed at; the signature covers it. */
	const TIMESTAMP_HEADER = 'X-Articulate-Timestamp';

	/**
	 * The headers that sign a request to serve; none without a secret.
	 *
	 * @param string   $method    The HTTP method (`POST`, `DELETE`).
	 * @param string   $path      The path serve sees in the request line (`/v1/articles`).
	 * @param string   $body      The exact bytes sent (empty for none).
	 * @param string   $secret    The shared secret.
	 * @param int|null $timestamp Unix seconds; now when null.
	 * @return array<string, string>
	 */
	public static function request_headers( $method, $path, $body, $secret, $timestamp = null ) {
		if ( '' === $secret ) {
			return array();
		}
		$timestamp = (string) ( null === $timestamp ? time() : (int) $timestamp );
		return array(
			self::TIMESTAMP_HEADER => $timestamp,
			self::HEADER           => self::sign_request( $timestamp, $method, $path, $body, $secret ),
		);
	}

	/**
	 * `sha256=` and the hex HMAC-SHA256 under `$secret` of
	 * `TIMESTAMP\nMETHOD\nPATH\nBODY`, as serve checks a webhook request.
	 *
	 * @param string $timestamp Unix seconds, as sent in the timestamp header.
	 * @param string $method    The HTTP method.
	 * @param string $path      The path (and query) of the request line.
	 * @param string $body      The body's bytes.
	 * @param string $secret    The secret.
	 * @return string
	 */
	public static function sign_request( $timestamp, $method, $path, $body, $secret ) {
		return self::sign( $timestamp . "\n" . strtoupper( $method ) . "\n" . $path . "\n" . $body, $secret );
	}

	/**
	 * `sha256=` and the hex HMAC-SHA256 of `$bytes` under `$secret`.
	 *
	 * @param string $bytes  The bytes.
	 * @param string $secret The secret.
	 * @return string
	 */
	public static function sign( $bytes, $secret ) {
		return 'sha256=' . hash_hmac( 'sha256', $bytes, $secret );
	}

	/**
	 * Whether a callback from serve carries the signature of its body under `$secret`
	 * (compared in constant time). An empty secret verifies nothing.
	 *
	 * @param string                $body    The raw body.
	 * @param array<string, string> $headers Header names in lower case => values.
	 * @param string                $secret  The secret.
	 * @return bool
	 */
	public static function verify( $body, $headers, $secret ) {
		$name  = strtolower( self::HEADER );
		$given = isset( $headers[ $name ] ) ? trim( (string) $headers[ $name ] ) : '';
		if ( '' === $secret || '' === $given ) {
			return false;
		}
		return hash_equals( self::sign( $body, $secret ), $given );
	}
}

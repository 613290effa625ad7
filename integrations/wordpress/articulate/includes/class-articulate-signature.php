<?php
/**
 * How requests to serve are signed and serve's callbacks checked: the one place that knows
 * the scheme, so a change in what serve expects (a timestamp header, say) is made here.
 *
 * Today: `X-Articulate-Signature: sha256=HEX`, the HMAC-SHA256 of the exact body bytes
 * under the shared secret, in both directions.
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

	/**
	 * The headers that sign `$body` for serve; none without a secret.
	 *
	 * @param string $body   The exact bytes sent.
	 * @param string $secret The shared secret.
	 * @return array<string, string>
	 */
	public static function headers( $body, $secret ) {
		if ( '' === $secret ) {
			return array();
		}
		return array( self::HEADER => self::sign( $body, $secret ) );
	}

	/**
	 * `sha256=` and the hex HMAC-SHA256 of `$body` under `$secret`.
	 *
	 * @param string $body   The bytes.
	 * @param string $secret The secret.
	 * @return string
	 */
	public static function sign( $body, $secret ) {
		return 'sha256=' . hash_hmac( 'sha256', $body, $secret );
	}

	/**
	 * Whether a request from serve carries the signature of its body under `$secret`
	 * (compared in constant time). An empty secret verifies nothing.
	 *
	 * @param string                $body    The raw body.
	 * @param array<string, string> $headers Header names in lower case => values.
	 * @param string                $secret  The secret.
	 * @return bool
	 */
	public static function verify( $body, $headers, $secret ) {
		$given = isset( $headers[ strtolower( self::HEADER ) ] ) ? trim( (string) $headers[ strtolower( self::HEADER ) ] ) : '';
		if ( '' === $secret || '' === $given ) {
			return false;
		}
		return hash_equals( self::sign( $body, $secret ), $given );
	}
}

<?php
/**
 * Plugin Name:       Articulate
 * Plugin URI:        https://github.com/articulate-tts/articulate
 * Description:       "Listen to this article": narrates posts with an articulate serve service and adds its player, chapters and a podcast enclosure.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      7.4
 * Author:            The articulate developers
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       articulate
 *
 * @package Articulate
 */

defined( 'ABSPATH' ) || exit;

define( 'ARTICULATE_VERSION', '0.1.0' );
define( 'ARTICULATE_FILE', __FILE__ );

require_once __DIR__ . '/includes/class-articulate-signature.php';
require_once __DIR__ . '/includes/class-articulate-client.php';
require_once __DIR__ . '/includes/class-articulate-post.php';
require_once __DIR__ . '/includes/class-articulate-sync.php';
require_once __DIR__ . '/includes/class-articulate-rest.php';
require_once __DIR__ . '/includes/class-articulate-front.php';
require_once __DIR__ . '/includes/class-articulate-settings.php';
require_once __DIR__ . '/includes/class-articulate-editor.php';

Articulate_Sync::register();
Articulate_Rest::register();
Articulate_Front::register();
Articulate_Settings::register();
Articulate_Editor::register();

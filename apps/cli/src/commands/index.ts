// Each command file registers itself with the program (in the order of `s2cassi --help`).
import './demo';
import './simulate';
import './reconstruct';
import './evaluate';
import './train';
import './average';
import './metrics';
import './niqe';
import './render';
import './info';

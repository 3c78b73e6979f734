import { encodePng, type RgbaImage } from '@s2cassi/hsi-render';
import { download } from '../lib/pictures';

/** A small "PNG" button that saves a picture as `name`. */
export function PngButton({ name, image }: { name: string; image: RgbaImage }) {
  return (
    <button
      type="button"
      className="button small"
      onClick={() => download(name, encodePng(image), 'image/png')}
    >
      PNG
    </button>
  );
}

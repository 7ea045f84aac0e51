import { describe, expect, it } from 'vitest';
import { escapeBlockStart, escapeHtml, escapeMarkdown, headingSlug } from './escape';

describe('escaping', () => {
  it('turns markup into text for HTML', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y'`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;');
  });

  it('keeps markdown table cells and emphasis intact', () => {
    expect(escapeMarkdown('a|b *c* _d_ [e](f) <img>\nnext')).toBe('a\\|b \\*c\\* \\_d\\_ \\[e\\](f) &lt;img&gt; next');
    expect(escapeBlockStart('# not a heading')).toBe('\\# not a heading');
    expect(escapeBlockStart('1. not a list')).toBe('1\\. not a list');
    expect(escapeBlockStart('plain')).toBe('plain');
  });

  it('computes GitHub heading anchors', () => {
    expect(headingSlug('4. Technique 3: transfer learning (VGG16, VGG19)')).toBe('4-technique-3-transfer-learning-vgg16-vgg19');
  });
});

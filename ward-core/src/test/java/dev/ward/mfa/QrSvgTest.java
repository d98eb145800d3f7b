package dev.ward.mfa;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.Result;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import java.net.URI;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class QrSvgTest {
    private static final int PIXELS_PER_MODULE = 4;

    @Test
    void theSvgScansBackToTheSameUri() throws Exception {
        String uri = MfaService.otpauthUri("St Mary's Clinic", "dr.grey@stmarys", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        String svg = QrSvg.render(uri);
        assertThat(svg).startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"").endsWith("</svg>");
        assertThat(decode(svg)).isEqualTo(uri);
    }

    @Test
    void otpauthUriFollowsTheKeyUriFormatWithEncodedIssuerAndAccount() {
        String uri = MfaService.otpauthUri("St Mary's Clinic", "dr.grey@stmarys", "ABCDEF");
        assertThat(uri).isEqualTo("otpauth://totp/St%20Mary%27s%20Clinic:dr.grey%40stmarys?secret=ABCDEF"
                + "&issuer=St%20Mary%27s%20Clinic&algorithm=SHA1&digits=6&period=30");
        URI parsed = URI.create(uri);
        assertThat(parsed.getScheme()).isEqualTo("otpauth");
        assertThat(parsed.getHost()).isEqualTo("totp");
        assertThat(parsed.getPath()).isEqualTo("/St Mary's Clinic:dr.grey@stmarys");
        assertThat(MfaService.otpauthUri("A:B & C", "x", "S")).startsWith("otpauth://totp/A%3AB%20%26%20C:x?")
                .contains("&issuer=A%3AB%20%26%20C&");
    }

    /** Rasterises the SVG's path (unit squares drawn as M x y h n v1 h-n z) and reads it with ZXing's decoder. */
    private static String decode(String svg) throws Exception {
        Matcher box = Pattern.compile("viewBox=\"0 0 (\\d+) (\\d+)\"").matcher(svg);
        assertThat(box.find()).isTrue();
        int size = Integer.parseInt(box.group(1));
        int px = size * PIXELS_PER_MODULE;
        int[] pixels = new int[px * px];
        Arrays.fill(pixels, 0xFFFFFFFF);
        Matcher path = Pattern.compile(" d=\"([^\"]*)\"").matcher(svg);
        assertThat(path.find()).isTrue();
        Matcher run = Pattern.compile("M(\\d+) (\\d+)h(\\d+)v1h-(\\d+)z").matcher(path.group(1));
        int runs = 0;
        while (run.find()) {
            int x = Integer.parseInt(run.group(1));
            int y = Integer.parseInt(run.group(2));
            int n = Integer.parseInt(run.group(3));
            assertThat(run.group(4)).isEqualTo(run.group(3));
            for (int dy = 0; dy < PIXELS_PER_MODULE; dy++) {
                for (int dx = 0; dx < n * PIXELS_PER_MODULE; dx++) {
                    pixels[(y * PIXELS_PER_MODULE + dy) * px + x * PIXELS_PER_MODULE + dx] = 0xFF000000;
                }
            }
            runs++;
        }
        assertThat(runs).isGreaterThan(20);
        Result result = new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(px, px, pixels))),
                Map.of(DecodeHintType.PURE_BARCODE, Boolean.FALSE));
        return result.getText();
    }
}

//! The charts, as markup: inline SVG drawn on the server, no script and no chart library.
//!
//! Each chart is there for the eye and says the same in words: an accessible name listing its
//! values (`role="img"` + `aria-label`), and a table under it in the page ([`super::html`]).
//! Text stays in HTML wherever it can (labels, values, axis ends): SVG text shrinks with the
//! drawing on a narrow phone, HTML text wraps and follows the browser's zoom. The SVG draws
//! only shapes, sized by `viewBox` and stretched to the width of their box; colours come from
//! classes of the stylesheet (the CSP allows no `style` attribute), so dark mode is the
//! stylesheet's business.

use voix_form::html::escape;

use super::strings::Lang;

/// One bar: its label, count and percentage (of the answers to its question).
pub(super) struct Bar<'a> {
    pub label: &'a str,
    pub count: u64,
    pub percent: u32,
}

/// Horizontal bars, one row per option: label, then count and percentage, then the bar (its
/// length the percentage). `name` is the chart's accessible name, before the values.
pub(super) fn bars(name: &str, bars: &[Bar<'_>], lang: Lang) -> String {
    let words: Vec<String> = bars
        .iter()
        .map(|b| format!("{} : {}", b.label, value(b.count, b.percent, lang)))
        .collect();
    let mut out = format!(
        "<div class=\"bars\" role=\"img\" aria-label=\"{}\">",
        escape(&format!("{name}. {}", words.join(" ; ")))
    );
    for b in bars {
        out.push_str(&format!(
            "<div class=\"bar-row\"><span class=\"bar-label\">{}</span>\
             <span class=\"bar-value\">{}</span>{}</div>",
            escape(b.label),
            escape(&value(b.count, b.percent, lang)),
            bar_svg(b.percent)
        ));
    }
    out.push_str("</div>");
    out
}

fn value(count: u64, percent: u32, lang: Lang) -> String {
    format!("{} ({})", lang.number(count), lang.percent(percent))
}

fn bar_svg(percent: u32) -> String {
    let w = percent.min(100);
    format!(
        "<svg class=\"bar\" viewBox=\"0 0 100 6\" preserveAspectRatio=\"none\" \
         aria-hidden=\"true\" focusable=\"false\"><rect class=\"bar-track\" width=\"100\" \
         height=\"6\"/><rect class=\"bar-fill\" width=\"{w}\" height=\"6\"/></svg>"
    )
}

/// The fewest column slots a time chart is drawn with.
const MIN_SLOTS: usize = 12;

/// Columns over time: one per `(label, count)`, the tallest reaching the top. The highest
/// count and the first and last labels are written in HTML around the drawing.
pub(super) fn columns(name: &str, points: &[(String, u64)], lang: Lang) -> String {
    let max = points.iter().map(|p| p.1).max().unwrap_or(0).max(1);
    // A few days would make columns as wide as the page: at least MIN_SLOTS slots, the
    // columns centred among them.
    let width = points.len().max(MIN_SLOTS) * 10;
    let offset = (width - points.len() * 10) / 2;
    let mut rects = String::new();
    for (i, (label, n)) in points.iter().enumerate() {
        // Heights in hundredths of the drawing's 100 units; a non-zero count shows at least a
        // sliver so a day with one answer among hundreds is not mistaken for none.
        let h = if *n == 0 {
            0.0
        } else {
            ((*n as f64) * 100.0 / max as f64).max(1.5)
        };
        rects.push_str(&format!(
            "<rect class=\"col\" x=\"{}\" y=\"{:.2}\" width=\"8\" height=\"{h:.2}\">\
             <title>{} : {}</title></rect>",
            offset + i * 10 + 1,
            100.0 - h,
            escape(label),
            lang.number(*n)
        ));
    }
    let first = points.first().map_or("", |p| p.0.as_str());
    let last = points.last().map_or("", |p| p.0.as_str());
    let summary = format!("{name}. {} → {} ; max. {}", first, last, lang.number(max));
    format!(
        "<div class=\"columns\"><p class=\"axis-max\" aria-hidden=\"true\">{max_text}</p>\
         <svg class=\"col-chart\" viewBox=\"0 0 {width} 100\" preserveAspectRatio=\"none\" \
         width=\"100%\" role=\"img\" aria-label=\"{label}\">\
         <line class=\"axis\" x1=\"0\" y1=\"100\" x2=\"{width}\" y2=\"100\"/>\
         <line class=\"grid\" x1=\"0\" y1=\"0\" x2=\"{width}\" y2=\"0\"/>{rects}</svg>\
         <p class=\"axis-x\" aria-hidden=\"true\"><span>{first}</span><span>{last}</span></p></div>",
        max_text = escape(&lang.number(max)),
        label = escape(&summary),
        first = escape(first),
        last = escape(last),
    )
}

/// The three NPS groups as one stacked bar, detractors to promoters, passives hatched so the
/// groups differ without colour too; `id` makes the pattern's id unique in the page.
pub(super) fn nps_stack(name: &str, id: usize, percents: [u32; 3]) -> String {
    let [promoters, passives, detractors] = percents.map(|p| p.min(100));
    let pattern = format!("hatch-{id}");
    format!(
        "<svg class=\"stack\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" width=\"100%\" \
         role=\"img\" aria-label=\"{name}\"><defs><pattern id=\"{pattern}\" width=\"3\" \
         height=\"3\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
         <rect class=\"nps-passive\" width=\"3\" height=\"3\"/>\
         <line class=\"hatch\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"3\"/></pattern></defs>\
         <rect class=\"nps-detractor\" x=\"0\" width=\"{detractors}\" height=\"10\"/>\
         <rect fill=\"url(#{pattern})\" x=\"{detractors}\" width=\"{passives}\" height=\"10\"/>\
         <rect class=\"nps-promoter\" x=\"{}\" width=\"{promoters}\" height=\"10\"/></svg>",
        detractors + passives,
        name = escape(name),
    )
}

/// A small square in a group's colour (or hatch) for the NPS legend.
pub(super) fn swatch(class: &str, id: usize) -> String {
    let fill = if class == "nps-passive" {
        format!("fill=\"url(#hatch-{id})\"")
    } else {
        format!("class=\"{class}\"")
    };
    format!(
        "<svg class=\"swatch\" viewBox=\"0 0 10 10\" aria-hidden=\"true\" focusable=\"false\">\
         <rect {fill} width=\"10\" height=\"10\"/></svg>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_and_name_their_values() {
        let b = bars(
            "Q <1>",
            &[Bar {
                label: "<b>Oui</b>",
                count: 3,
                percent: 75,
            }],
            Lang::En,
        );
        assert!(
            b.contains("aria-label=\"Q &lt;1&gt;. &lt;b&gt;Oui&lt;/b&gt; : 3 (75%)\""),
            "{b}"
        );
        assert!(b.contains("width=\"75\""));
        assert!(!b.contains("<b>"));
        let c = columns("Per day", &[("d1".into(), 0), ("d2".into(), 4)], Lang::En);
        assert!(c.contains("role=\"img\""));
        assert!(c.contains("height=\"100.00\""), "{c}");
        assert!(!c.contains("style="));
        let s = nps_stack("NPS", 2, [50, 30, 20]);
        assert!(s.contains("url(#hatch-2)"));
        assert!(s.contains("x=\"50\" width=\"50\""), "{s}");
    }
}

//! How a section orders its pages (`sort_by`), as Zola does: which pages each order can place,
//! and how ties are broken so that the order never depends on the walk or the thread count.

use super::front_matter::SortBy;
use super::Page;

/// Orders a section's pages as Zola does, and drops those the order cannot place (no date
/// under `date`, no title under `title`, no weight under `weight`). Ties are broken by
/// permalink (URL path), so the order never depends on the walk or the thread count;
/// unsorted lists are in file-path order. Returns the dropped pages, in their former order.
pub fn sort_pages(list: &mut Vec<usize>, pages: &[Page], by: SortBy) -> Vec<usize> {
    use std::cmp::Ordering;
    let newest = |p: &Page| match by {
        SortBy::UpdateDate => p.date.max(p.updated),
        _ => p.date,
    };
    let sortable = |i: &usize| {
        let p = &pages[*i];
        match by {
            SortBy::Date | SortBy::UpdateDate => newest(p).is_some(),
            SortBy::Title | SortBy::TitleBytes => p.front.title.is_some(),
            SortBy::Weight => p.front.weight.is_some(),
            SortBy::Slug | SortBy::Permalink | SortBy::None => true,
        }
    };
    let dropped: Vec<usize> = list.iter().copied().filter(|i| !sortable(i)).collect();
    list.retain(sortable);
    let order = |a: &Page, b: &Page| -> Ordering {
        let title = |p: &Page| p.front.title.clone().unwrap_or_default();
        match by {
            SortBy::Date | SortBy::UpdateDate => newest(b).cmp(&newest(a)),
            SortBy::Title => lexical_sort::natural_lexical_cmp(&title(a), &title(b)),
            SortBy::TitleBytes => a.front.title.cmp(&b.front.title),
            SortBy::Weight => a.front.weight.cmp(&b.front.weight),
            SortBy::Slug => lexical_sort::natural_lexical_cmp(&a.slug, &b.slug),
            SortBy::Permalink => a.url_path.cmp(&b.url_path),
            SortBy::None => a.rel.cmp(&b.rel),
        }
    };
    list.sort_by(|&a, &b| {
        let (a, b) = (&pages[a], &pages[b]);
        order(a, b)
            .then_with(|| a.url_path.cmp(&b.url_path))
            .then_with(|| a.rel.cmp(&b.rel))
    });
    dropped
}

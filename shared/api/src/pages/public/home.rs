//! The public's way in: this year's open days, one open day, and the year's statistics.

use super::*;

#[derive(Deserialize, Default)]
pub(super) struct IndexQuery {
    region: Option<String>,
    /// Taken as text: a page that is not a whole number from 1 shows the first page.
    page: Option<String>,
}

impl IndexQuery {
    fn page(&self) -> usize {
        self.page
            .as_deref()
            .and_then(|p| p.trim().parse::<usize>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    }
}

/// The list's address for `page`, keeping the 地区 chosen.
fn page_href(region: Option<&str>, page: usize) -> String {
    match region {
        Some(r) => {
            let r: String = form_urlencoded::byte_serialize(r.as_bytes()).collect();
            format!("/?region={r}&page={page}")
        }
        None => format!("/?page={page}"),
    }
}

pub struct Region {
    pub id: String,
    pub name: String,
    pub selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "index.html")]
struct IndexPage {
    title: &'static str,
    year: i32,
    regions: Vec<Region>,
    days: Vec<OpenDay>,
    notice: Option<String>,
    page: usize,
    pages: usize,
    total: usize,
    /// The previous and next pages' addresses, where there are such pages.
    prev: Option<String>,
    next: Option<String>,
}

/// This year's announced open days, soonest first, 20 a page, optionally of one 地区.
pub(super) async fn index<S: Store>(
    State(app): State<App<S>>,
    jar: PrivateCookieJar,
    Query(q): Query<IndexQuery>,
) -> Result<Response, PageError> {
    let year = app.core.this_year();
    let asked = q.page();
    let region = q
        .region
        .filter(|r| !r.is_empty() && r.len() <= 64)
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    let found = announcements::open_days(&app.core, year, region.as_deref(), asked).await?;
    let (page, pages) = (found.page, found.pages);
    let regions = found
        .jurisdictions
        .into_iter()
        .map(|j| Region {
            selected: region.as_deref() == Some(j.id.as_str()),
            id: j.id.to_string(),
            name: j.name.to_string(),
        })
        .collect();
    let (jar, notice) = take_notice(jar);
    Ok((
        jar,
        IndexPage {
            title: "政府开放日活动",
            year,
            regions,
            days: found.days,
            notice,
            page,
            pages,
            total: found.total,
            prev: (page > 1).then(|| page_href(region.as_deref(), page - 1)),
            next: (page < pages).then(|| page_href(region.as_deref(), page + 1)),
        },
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "open_day.html")]
struct OpenDayPage {
    title: String,
    day: OpenDay,
    notice: Option<String>,
    /// An opened questionnaire taking answers today.
    questionnaire: bool,
}

pub(super) async fn open_day<S: Store>(
    State(app): State<App<S>>,
    jar: PrivateCookieJar,
    Path(plan_id): Path<String>,
) -> Result<Response, PageError> {
    let day = open_day_of(&app, &plan_id).await?;
    let (jar, notice) = take_notice(jar);
    let questionnaire =
        openday_app::questionnaires::taking_answers(&app.core, &plan_id, day.status).await?;
    Ok((
        jar,
        OpenDayPage {
            title: day.a.name.to_string(),
            day,
            notice,
            questionnaire,
        },
    )
        .into_response())
}

/// A choice of a radio group or a select: value, label, and whether it is chosen.
/// One bar of the chart: where it is drawn and what it says.
pub struct Bar {
    pub label: String,
    pub held_width: u32,
    pub people_width: u32,
    pub held: u32,
    pub people: u32,
}

#[derive(Template, WebTemplate)]
#[template(path = "statistics.html")]
struct StatisticsPage {
    title: String,
    year: i32,
    areas: Vec<openday_app::views::AreaStatistics>,
    bars: Vec<Bar>,
}

impl StatisticsPage {
    fn rate(&self, a: &openday_app::views::AreaStatistics) -> String {
        a.adoption_rate
            .map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
    }
}

#[derive(Deserialize, Default)]
pub(super) struct YearQuery {
    year: Option<String>,
}

/// The region's year as open data: a table per city and county, and a chart of the cities
/// drawn on the server (SVG, no script).
pub(super) async fn statistics<S: Store>(
    State(app): State<App<S>>,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let year = openday_app::years::year_of_text(&app.core, q.year.as_deref())?;
    let stats = compliance::open_statistics(&app.core, year).await?;
    let cities: Vec<&openday_app::views::AreaStatistics> =
        stats.areas.iter().filter(|a| a.depth == 1).collect();
    let most_held = cities.iter().map(|a| a.held).max().unwrap_or(0).max(1);
    let most_people = cities
        .iter()
        .map(|a| a.participants)
        .max()
        .unwrap_or(0)
        .max(1);
    // Bars 0–300 px wide, one pair per city.
    let bars = cities
        .iter()
        .map(|a| Bar {
            label: a.name.clone(),
            held_width: 300 * a.held / most_held,
            people_width: 300 * a.participants / most_people,
            held: a.held,
            people: a.participants,
        })
        .collect::<Vec<_>>();
    Ok(StatisticsPage {
        title: format!("{year}年度“政府开放日”公开数据"),
        year,
        areas: stats.areas,
        bars,
    }
    .into_response())
}

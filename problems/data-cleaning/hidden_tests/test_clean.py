import pandas as pd
import pytest

COLUMNS = ["customer_id", "signup_date", "country", "plan", "age",
           "annual_income", "monthly_spend", "visits"]
NUMERIC = ["age", "annual_income", "monthly_spend", "visits"]


def _ids(df):
    return df["customer_id"].tolist()


# ---------------------------------------------------------------- R1

@pytest.mark.points(2)
@pytest.mark.requirement("R1")
def test_does_not_modify_input(candidate, make_raw):
    """clean_customers leaves the DataFrame it was given unchanged."""
    raw = make_raw(
        " C001 ,2023-02-03, Germany ,BASIC,?,\"$1,000\",10, 5 ",
        "C001,2023-02-03,germany,basic,N/A,1000,$10.00,5",
        "C002,null,N/A,?,40,,20,",
        "C002,null,N/A,?,40,,20,",
    )
    before = raw.copy(deep=True)
    given = candidate.new(raw)  # the frame as the candidate's process holds it, to look at after the call
    candidate.clean_customers(given)
    # Returning the input object cleaned in place changes it too, so this also catches "not a new frame".
    pd.testing.assert_frame_equal(candidate.value(given), before, obj="the input DataFrame after the call")


@pytest.mark.points(1)
@pytest.mark.requirement("R1")
def test_keeps_the_eight_columns_in_order(candidate, make_raw):
    """The cleaned frame has the same 8 columns in the same order."""
    out = candidate.clean_customers(make_raw("C001,2023-02-03,Germany,basic,30,100,10,1"))
    assert list(out.columns) == COLUMNS, f"got columns {list(out.columns)}"


# ---------------------------------------------------------------- R2

@pytest.mark.points(2)
@pytest.mark.requirement("R2")
def test_text_columns_stripped_and_recased(candidate, make_raw):
    """Whitespace is stripped from every cell; country and plan are lower-case."""
    out = candidate.clean_customers(make_raw(
        "  C0007 ,2023-02-03,  GerMany ,  PREMIUM,30,100,10,1",
        "C0008,2023-02-03,FRANCE,Plus ,31,100,10,1",
    ))
    assert _ids(out) == ["C0007", "C0008"], f"got customer_id {_ids(out)}"
    assert out["country"].tolist() == ["germany", "france"]
    assert out["plan"].tolist() == ["premium", "plus"]


# ---------------------------------------------------------------- R3

@pytest.mark.points(3)
@pytest.mark.requirement("R3")
def test_missing_markers_recognised(candidate, make_raw):
    """Empty, N/A, null and ? (also when padded with spaces) are all missing values."""
    markers = ["", "N/A", "null", "?", "  null  ", " ? ", " N/A", "   "]
    lines = [f"C{i:03d},{m},{m},basic,30,100,10,1" for i, m in enumerate(markers)]
    lines.append("C100,2023-02-03,spain,basic,30,100,10,1")
    out = candidate.clean_customers(make_raw(*lines))
    assert len(out) == len(markers) + 1, f"expected {len(markers) + 1} rows, got {len(out)}"
    assert out["signup_date"].isna().tolist() == [True] * len(markers) + [False], (
        "every marker in signup_date should become NaT, the real date should not"
    )
    assert out["country"].tolist() == ["unknown"] * len(markers) + ["spain"], (
        "every marker in country should be missing and then filled with 'unknown'"
    )


@pytest.mark.points(1)
@pytest.mark.requirement("R3")
def test_markers_match_case_as_written(candidate, make_raw):
    """Markers count only as written: NULL, Null, n/a and N/a are values, not missing (R3: case as written)."""
    out = candidate.clean_customers(make_raw(
        "C001,2023-02-03,NULL,n/a,30,100,10,1",
        "C002,2023-02-04,Null,N/a,31,100,10,1",
        "C003,2023-02-05,spain,null,32,100,10,1",
    ))
    assert out["country"].tolist() == ["null", "null", "spain"], (
        f"country: 'NULL' and 'Null' are not markers, so they stay as the text 'null'; got {out['country'].tolist()}"
    )
    assert out["plan"].tolist() == ["n/a", "n/a", "unknown"], (
        f"plan: 'n/a' and 'N/a' are not markers ('N/A' is), 'null' is; got {out['plan'].tolist()}"
    )


# ---------------------------------------------------------------- R4

@pytest.mark.points(3)
@pytest.mark.requirement("R4")
def test_amounts_and_counts_parsed(candidate, make_raw):
    """'$', ',' and spaces are removed from numbers: '$ 1,250.50' becomes 1250.5."""
    out = candidate.clean_customers(make_raw(
        'C001,2023-02-03,spain,basic,30,"$52,300.00","$ 1,250.50", 7 ',
        'C002,2023-02-03,spain,basic, 41 ,52300,12.5,0',
        'C003,2023-02-03,spain,basic,52,"$ 52,300",$80,12',
        'C004,2023-02-03,spain,basic,63,"52,300.50", 99.99 ,3',
        'C005,2023-02-03,spain,basic,74," $1,000 ","$2,000.25",1 000',
    ))
    assert out["annual_income"].tolist() == pytest.approx([52300, 52300, 52300, 52300.5, 1000])
    assert out["monthly_spend"].tolist() == pytest.approx([1250.5, 12.5, 80, 99.99, 2000.25])
    assert out["visits"].tolist() == pytest.approx([7, 0, 12, 3, 1000])
    assert out["age"].tolist() == pytest.approx([30, 41, 52, 63, 74])


@pytest.mark.points(1)
@pytest.mark.requirement("R4")
def test_numeric_columns_have_numeric_dtype(candidate, raw_customers, make_raw):
    """age, annual_income, monthly_spend and visits come out with a numeric dtype."""
    for raw in (raw_customers, make_raw("C001,2023-02-03,spain,basic,30,\"$1,000\",10,1")):
        out = candidate.clean_customers(raw)
        for col in NUMERIC:
            assert pd.api.types.is_numeric_dtype(out[col]), (
                f"column {col!r} has dtype {out[col].dtype}, expected a numeric dtype"
            )


@pytest.mark.points(2)
@pytest.mark.requirement("R4")
def test_dates_parsed(candidate, make_raw):
    """signup_date is parsed as a datetime64 column; a missing date is NaT."""
    out = candidate.clean_customers(make_raw(
        "C001,2023-02-03,spain,basic,30,100,10,1",
        "C002, 2022-12-01 ,spain,basic,31,100,10,1",
        "C003,N/A,spain,basic,34,100,10,1",
    ))
    assert pd.api.types.is_datetime64_any_dtype(out["signup_date"]), (
        f"signup_date has dtype {out['signup_date'].dtype}, expected datetime64"
    )
    want = [pd.Timestamp("2023-02-03"), pd.Timestamp("2022-12-01")]
    assert out["signup_date"].iloc[:2].tolist() == want
    assert pd.isna(out["signup_date"].iloc[2]), "a missing date stays NaT"


# ---------------------------------------------------------------- R5

@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_exact_duplicates_first_occurrence_kept(candidate, make_raw):
    """Exact duplicate rows are dropped, keeping the first occurrence in input order."""
    a = "C001,2023-02-03,spain,basic,30,100,10,1"
    b = "C002,2023-02-04,italy,plus,40,200,20,2"
    c = "C003,2023-02-05,france,premium,50,300,30,3"
    out = candidate.clean_customers(make_raw(a, b, a, c, b))
    assert _ids(out) == ["C001", "C002", "C003"], f"got {_ids(out)}"


@pytest.mark.points(1)
@pytest.mark.requirement("R5")
def test_index_is_reset(candidate, make_raw):
    """After dropping duplicates the index is 0..n-1."""
    a = "C001,2023-02-03,spain,basic,30,100,10,1"
    out = candidate.clean_customers(make_raw(a, a, "C002,2023-02-04,italy,plus,40,200,20,2", a))
    assert out.index.tolist() == [0, 1], f"got index {out.index.tolist()}"


@pytest.mark.points(3)
@pytest.mark.requirement("R5")
def test_duplicates_found_after_cleaning(candidate, make_raw):
    """Rows that are equal only once stripped, re-cased and parsed are duplicates too."""
    out = candidate.clean_customers(make_raw(
        'C010,2023-02-03,Germany,basic,30,"$1,000",10,5',
        ' C010 ,2023-02-03 ,GERMANY , BASIC,30,1000.00,$10.00, 5 ',
        "C011,2023-02-04,italy,plus,?,200,20,2",
        "C011,2023-02-04,italy,plus,N/A,200,20,2",
        "C012,null,,plus,40,300,?,3",
        "C012,,N/A,Plus,40,$300, null ,3",
    ))
    assert _ids(out) == ["C010", "C011", "C012"], (
        f"expected one row per customer after cleaning, got {_ids(out)}"
    )


@pytest.mark.points(3)
@pytest.mark.requirement("R5")
def test_same_id_with_different_values_is_kept(candidate, make_raw):
    """Rows sharing a customer_id but differing elsewhere are both kept."""
    out = candidate.clean_customers(make_raw(
        "C001,2023-02-03,spain,basic,30,100,10,1",
        "C001,2023-02-03,spain,basic,30,100,11,1",
        "C002,2023-02-03,spain,basic,30,100,10,1",
    ))
    assert _ids(out) == ["C001", "C001", "C002"], (
        f"expected both C001 records to be kept, got {_ids(out)}"
    )


@pytest.mark.points(2)
@pytest.mark.requirement("R5")
def test_data_file_row_count(candidate, raw_customers):
    """customers.csv (343 raw rows) cleans to 308 rows for 300 customers."""
    out = candidate.clean_customers(raw_customers)
    assert len(out) == 308, f"expected 308 rows, got {len(out)}"
    assert out["customer_id"].nunique() == 300


# ---------------------------------------------------------------- R6

@pytest.mark.points(3)
@pytest.mark.requirement("R6")
def test_median_imputation(candidate, make_raw):
    """Missing values in the four numeric columns are filled with the column median."""
    out = candidate.clean_customers(make_raw(
        'C001,2023-02-03,spain,basic,20,"$1,000",10,1',
        'C002,2023-02-03,spain,basic,30,"$2,000",20,2',
        'C003,2023-02-03,spain,basic,70,"$9,000",90,30',
        "C004,2023-02-03,spain,basic,N/A,,?,null",
    ))
    row = out.iloc[3]
    assert row["age"] == pytest.approx(30), f"age median is 30, got {row['age']}"
    assert row["annual_income"] == pytest.approx(2000), f"got {row['annual_income']}"
    assert row["monthly_spend"] == pytest.approx(20), f"got {row['monthly_spend']}"
    assert row["visits"] == pytest.approx(2), f"visits median is 2, got {row['visits']}"


@pytest.mark.points(3)
@pytest.mark.requirement("R6")
def test_imputation_uses_deduplicated_rows(candidate, make_raw):
    """The medians are computed after duplicates are dropped."""
    a = "C001,2023-02-03,spain,basic,30,100,10,1"
    out = candidate.clean_customers(make_raw(
        a, a, a,
        "C002,2023-02-03,spain,basic,30,100,50,1",
        "C003,2023-02-03,spain,basic,30,100,60,1",
        "C004,2023-02-03,spain,basic,30,100,N/A,1",
    ))
    # spend after de-duplication: 10, 50, 60 -> median 50 (with duplicates it would be 10)
    assert len(out) == 4, f"expected 4 rows, got {len(out)}"
    assert out["monthly_spend"].iloc[3] == pytest.approx(50), (
        f"expected 50, got {out['monthly_spend'].iloc[3]}"
    )


@pytest.mark.points(2)
@pytest.mark.requirement("R6")
def test_unknown_categories(candidate, make_raw):
    """Missing country and plan become 'unknown'."""
    out = candidate.clean_customers(make_raw(
        "C001,2023-02-03,N/A,,30,100,10,3",
        "C002,2023-02-03,spain,plus,30,100,10,4",
    ))
    assert out["country"].tolist() == ["unknown", "spain"]
    assert out["plan"].tolist() == ["unknown", "plus"]


@pytest.mark.points(1)
@pytest.mark.requirement("R6")
def test_data_file_only_dates_left_missing(candidate, raw_customers):
    """On customers.csv only signup_date still has missing values after cleaning."""
    out = candidate.clean_customers(raw_customers)
    left = {c: int(n) for c, n in out.isna().sum().items() if n and c != "signup_date"}
    assert not left, f"missing values left in {left}"
    assert out["signup_date"].isna().any(), "missing dates must stay NaT, not be filled"
    assert set(out["plan"]) == {"basic", "plus", "premium", "unknown"}
    assert set(out["country"]) == {"germany", "france", "spain", "italy", "poland",
                                   "netherlands", "unknown"}

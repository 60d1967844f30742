"""Walks the catalog pages in headless Chromium (selenium from PyPI, Debian's chromium and chromedriver),
as a person would, and prints one JSON line with what it saw; exits non-zero on any surprise.

Usage: catalog_browser_check.py <base url> <login link> <scenario.json> <screenshot directory>
The scenario names the ids the test registered: raw, recon, seg, revision (cited by three Datasets),
and the position before seg was registered.
"""
import json
import os
import sys
from urllib.parse import urlparse

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

base, link, scenario_path, shots = sys.argv[1:5]
scenario = json.load(open(scenario_path))
os.makedirs(shots, exist_ok=True)

options = Options()
options.binary_location = os.environ.get("CORA_CHROMIUM", "/usr/bin/chromium")
for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000"):
    options.add_argument(argument)
options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
driver = webdriver.Chrome(service=Service(os.environ.get("CORA_CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
seen = {}
try:
    def shot(name):
        driver.save_screenshot(os.path.join(shots, name + ".png"))

    def arrive(path_part):
        """Waits for the navigation a click started to land."""
        WebDriverWait(driver, 10).until(lambda d: path_part in d.current_url and d.execute_script("return document.readyState") == "complete")

    def ids():
        return sorted(node.get_dom_attribute("data-dataset-id") for node in driver.find_elements(By.CSS_SELECTOR, "svg.lineage a"))

    def rows():
        return [cell.text for cell in driver.find_elements(By.CSS_SELECTOR, "table.datasets tbody td:first-child a")]

    # Signing in: the link sets the session and lands on the list.
    driver.get(link)
    arrive("/ui/datasets")
    assert urlparse(driver.current_url).path == "/ui/datasets", driver.current_url
    seen["signed_in"] = scenario["principal"] in driver.find_element(By.CSS_SELECTOR, "header .who").text
    shot("1-list")

    # Filtering by the revision, two per page, then the next page.
    driver.find_element(By.NAME, "used_calibrations").send_keys(scenario["revision"])
    limit = driver.find_element(By.NAME, "limit")
    limit.clear()
    limit.send_keys("2")
    driver.find_element(By.CSS_SELECTOR, "form.filters button").click()
    arrive("used_calibrations=")
    seen["first_page"] = rows()
    shot("2-filtered")
    driver.find_element(By.CSS_SELECTOR, "a[rel=next]").click()
    arrive("cursor=")
    seen["second_page"] = rows()
    shot("3-next-page")

    # The reconstruction's page: its picture, one box per lineage node.
    driver.get(base + "/ui/datasets/" + scenario["recon"])
    picture = driver.find_element(By.CSS_SELECTOR, "svg.lineage")
    seen["picture_visible"] = picture.is_displayed() and picture.size["width"] > 0 and picture.size["height"] > 0
    seen["nodes"] = ids()
    shot("4-dataset")

    # Following a node of the picture.
    driver.find_element(By.CSS_SELECTOR, "svg.lineage a[data-dataset-id='%s']" % scenario["seg"]).click()
    arrive(scenario["seg"])
    seen["followed_to"] = urlparse(driver.current_url).path
    shot("5-followed")

    # Back to the reconstruction, as it was before the segmentation existed.
    driver.get(base + "/ui/datasets/" + scenario["recon"])
    driver.find_element(By.NAME, "as_of_position").send_keys(str(scenario["before_seg"]))
    driver.find_element(By.CSS_SELECTOR, "form.as-of button").click()
    arrive("as_of_position=")
    seen["nodes_as_of"] = ids()
    shot("6-as-of")

    # Nothing went wrong in the page, and nothing was fetched from another host.
    seen["console_errors"] = [entry["message"] for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]
    origin = urlparse(base).netloc
    hosts = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            url = urlparse(message["params"]["request"]["url"])
            if url.scheme in ("http", "https"):
                hosts.add(url.netloc)
    seen["hosts"] = sorted(hosts)
    seen["other_hosts"] = sorted(host for host in hosts if host != origin)
finally:
    driver.quit()
print(json.dumps(seen))

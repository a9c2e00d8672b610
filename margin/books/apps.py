from django.apps import AppConfig


class BooksConfig(AppConfig):
    name = "margin.books"
    label = "books"
